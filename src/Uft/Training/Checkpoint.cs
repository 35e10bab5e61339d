using System.Security.Cryptography;
using System.Text.Json;
using Uft.Method;
using static TorchSharp.torch;

namespace Uft.Training;

/// <summary>
/// Training checkpoints: <c>name.safetensors</c> (model, queue, optimizer momentum) and <c>name.json</c>
/// (<see cref="CheckpointInfo"/>). Each file is written to a temporary file in the same folder, flushed to disk and
/// renamed over the old one, the tensor file first; the sidecar holds the tensor file's SHA-256 and both carry the
/// same checkpoint id, so a crash never leaves a pair that loads into a mismatched state. <c>last</c> is replaced at
/// every save and a copy <c>epoch-NNNN</c> is kept every <c>keepEvery</c> epochs. Loading reads data only.
/// </summary>
public static class Checkpoint
{
    public const string Last = "last";
    const string IdKey = "checkpoint_id", OptimizerPrefix = "optimizer.";

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Saves <c>last</c> (and <c>epoch-NNNN</c> when <paramref name="keepEvery"/> divides the epoch); returns the
    /// path of <c>last.safetensors</c>.</summary>
    public static string Save(string folder, IReadOnlyDictionary<string, Tensor> tensors, CheckpointInfo info, int keepEvery = 0)
    {
        Directory.CreateDirectory(folder);
        string id = Guid.NewGuid().ToString("N");
        string tensorsPath = TensorsPath(folder, Last);
        Interop.SafeTensors.Save(tensorsPath, tensors, new Dictionary<string, string> { [IdKey] = id });
        string sha;
        using (var f = File.OpenRead(tensorsPath)) sha = Convert.ToHexStringLower(SHA256.HashData(f));
        var sidecar = info with { CheckpointId = id, TensorsSha256 = sha, SavedUtc = DateTime.UtcNow };
        AtomicFile.Write(SidecarPath(tensorsPath), s => JsonSerializer.Serialize(s, sidecar, Json));
        if (keepEvery > 0 && info.Epoch % keepEvery == 0)
        {
            string kept = TensorsPath(folder, $"epoch-{info.Epoch:D4}");
            AtomicFile.Write(kept, s => { using var src = File.OpenRead(tensorsPath); src.CopyTo(s); });
            AtomicFile.Write(SidecarPath(kept), s => JsonSerializer.Serialize(s, sidecar, Json));
        }
        return tensorsPath;
    }

    /// <summary>Loads a checkpoint from its .safetensors path (or its folder, meaning <c>last</c>), checking the sidecar's
    /// SHA-256 and id. A missing, corrupt, truncated or foreign pair throws a one-line <see cref="UftException"/>.</summary>
    public static (Dictionary<string, Tensor> Tensors, CheckpointInfo Info) Load(string path)
    {
        string tensorsPath = Directory.Exists(path) ? TensorsPath(path, Last) : path;
        string sidecarPath = SidecarPath(tensorsPath);
        if (!File.Exists(tensorsPath)) throw UftException.Usage($"{tensorsPath}: checkpoint not found");
        if (!File.Exists(sidecarPath)) throw new UftException($"{sidecarPath}: checkpoint sidecar missing; the checkpoint is incomplete");
        CheckpointInfo info;
        try { info = JsonSerializer.Deserialize<CheckpointInfo>(File.ReadAllText(sidecarPath), Json) ?? throw new JsonException("null"); }
        catch (JsonException) { throw new UftException($"{sidecarPath}: not a valid checkpoint sidecar (JSON)"); }
        if (info.Format != CheckpointInfo.CurrentFormat)
            throw new UftException($"{sidecarPath}: checkpoint format {info.Format} is not {CheckpointInfo.CurrentFormat}; it was written by another UFT version");
        string sha;
        using (var f = File.OpenRead(tensorsPath)) sha = Convert.ToHexStringLower(SHA256.HashData(f));
        if (!string.Equals(sha, info.TensorsSha256, StringComparison.OrdinalIgnoreCase))
            throw new UftException($"{tensorsPath}: checksum does not match {Path.GetFileName(sidecarPath)}; the file is corrupt, truncated or from another checkpoint");
        var tensors = Interop.SafeTensors.Load(tensorsPath, out var metadata);
        if (!metadata.TryGetValue(IdKey, out var id) || id != info.CheckpointId)
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw new UftException($"{tensorsPath}: checkpoint id differs from {Path.GetFileName(sidecarPath)}; the pair does not belong together");
        }
        return (tensors, info);
    }

    /// <summary>Everything a MoCo run resumes from: the module's state dict (both encoders, queue) and the
    /// momentum buffers under <c>optimizer.</c>.</summary>
    public static Dictionary<string, Tensor> TrainingState(MoCo moco, MomentumSgd optimizer)
    {
        var state = new Dictionary<string, Tensor>(moco.state_dict());
        foreach (var (name, buf) in optimizer.StateDict()) state[OptimizerPrefix + name] = buf;
        return state;
    }

    /// <summary>Restores <see cref="TrainingState"/> and the queue pointer from a loaded checkpoint.</summary>
    public static void Restore(MoCo moco, MomentumSgd optimizer, IReadOnlyDictionary<string, Tensor> tensors, CheckpointInfo info)
    {
        var model = tensors.Where(kv => !kv.Key.StartsWith(OptimizerPrefix, StringComparison.Ordinal)).ToDictionary();
        var expected = moco.state_dict();
        var missing = expected.Keys.Where(k => !model.ContainsKey(k)).ToList();
        if (missing.Count > 0) throw new UftException($"checkpoint: {missing.Count} model tensors missing, first {missing[0]}; it is from another model");
        foreach (var (k, v) in model)
            if (expected.TryGetValue(k, out var e) && !e.shape.SequenceEqual(v.shape))
                throw new UftException($"checkpoint: {k} has shape [{string.Join(",", v.shape)}], the model [{string.Join(",", e.shape)}]; it is from another model");
        moco.load_state_dict(model, strict: false);
        optimizer.LoadStateDict(tensors.Where(kv => kv.Key.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[OptimizerPrefix.Length..], kv => kv.Value));
        moco.QueuePointer = info.QueuePointer;
    }

    static string TensorsPath(string folder, string name) => Path.Combine(folder, name + ".safetensors");
    static string SidecarPath(string tensorsPath) => Path.ChangeExtension(tensorsPath, ".json");
}
