using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using Uft.Method;
using static TorchSharp.torch;

namespace Uft.Training;

/// <summary>
/// Training checkpoints: <c>name.safetensors</c> (model, queue, optimizer momentum) and <c>name.json</c>
/// (<see cref="CheckpointInfo"/>, with the tensor file's SHA-256 and a checkpoint id that the tensor file's metadata
/// repeats). <c>last</c> is replaced at every save and a copy <c>epoch-NNNN</c> is kept every <c>keepEvery</c> epochs.
/// A save never leaves a pair that fails to load, whenever the process dies or the power fails: the tensors go to a
/// temporary file (fsynced), the new sidecar to <c>name.next.json</c>, then the tensors are renamed over
/// <c>name.safetensors</c> and <c>name.next.json</c> over <c>name.json</c>; a crash between the two renames leaves
/// the new tensors with their sidecar under <c>name.next.json</c>, which <see cref="Load"/> accepts. Loading reads data only.
/// </summary>
public static class Checkpoint
{
    public const string Last = "last";
    const string IdKey = "checkpoint_id", OptimizerPrefix = "optimizer.", QueueIds = "queue_ids";

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, // the epoch's metrics may hold a NaN
    };

    /// <summary>Saves <c>last</c> (and <c>epoch-NNNN</c> when <paramref name="keepEvery"/> divides the epoch); returns the
    /// path of <c>last.safetensors</c>.</summary>
    public static string Save(string folder, IReadOnlyDictionary<string, Tensor> tensors, CheckpointInfo info, int keepEvery = 0)
    {
        AtomicFile.CreateDirectory(folder);
        string id = Guid.NewGuid().ToString("N");
        var sidecar = info with { CheckpointId = id, SavedUtc = DateTime.UtcNow };
        string tensorsPath = TensorsPath(folder, Last);
        WritePair(tensorsPath, s => Interop.SafeTensors.Write(s, tensors, new Dictionary<string, string> { [IdKey] = id }), sidecar);
        if (keepEvery > 0 && info.Epoch % keepEvery == 0)
            WritePair(TensorsPath(folder, $"epoch-{info.Epoch:D4}"), s => { using var src = File.OpenRead(tensorsPath); src.CopyTo(s); }, sidecar);
        return tensorsPath;
    }

    // The commit protocol described on the class; Faults let the tests stretch or break each stage. AtomicFile fsyncs the
    // tensors before their rename and the folder after each rename, so the pair also survives a power cut.
    static void WritePair(string tensorsPath, Action<Stream> writeTensors, CheckpointInfo sidecar)
    {
        string next = NextSidecarPath(tensorsPath);
        AtomicFile.Write(tensorsPath, file =>
        {
            writeTensors(file);
            Faults.IoError("checkpoint");
        }, written =>
        {
            string sha = Convert.ToHexStringLower(SHA256.HashData(written));
            Faults.Sleep("checkpoint");
            AtomicFile.Write(next, s => JsonSerializer.Serialize(s, sidecar with { TensorsSha256 = sha }, Json));
            Faults.Sleep("checkpoint");
        });
        Faults.Sleep("checkpoint");
        AtomicFile.Rename(next, SidecarPath(tensorsPath));
    }

    /// <summary>Loads a checkpoint from its .safetensors path (or its folder, meaning <c>last</c>), checking the sidecar's
    /// SHA-256 and id. A missing, corrupt, truncated or foreign pair throws a one-line <see cref="UftException"/>.</summary>
    public static (Dictionary<string, Tensor> Tensors, CheckpointInfo Info) Load(string path)
    {
        string tensorsPath = Directory.Exists(path) ? TensorsPath(path, Last) : path;
        string sidecarPath = SidecarPath(tensorsPath);
        if (!File.Exists(tensorsPath)) throw UftException.Usage($"{tensorsPath}: checkpoint not found");
        string next = NextSidecarPath(tensorsPath);
        if (!File.Exists(sidecarPath) && !File.Exists(next))
            throw new UftException($"{sidecarPath}: checkpoint sidecar missing; the checkpoint is incomplete");
        string sha;
        using (var f = File.OpenRead(tensorsPath)) sha = Convert.ToHexStringLower(SHA256.HashData(f));
        // name.next.json matches only when a save died between its two renames.
        var info = (File.Exists(next) ? ReadSidecar(next) : null) is { } n && Matches(n, sha) ? n : ReadSidecar(sidecarPath);
        if (info is null) throw new UftException($"{sidecarPath}: checkpoint sidecar missing; the checkpoint is incomplete");
        if (info.Format != CheckpointInfo.CurrentFormat)
            throw new UftException($"{sidecarPath}: checkpoint format {info.Format} is not {CheckpointInfo.CurrentFormat}; it was written by another UFT version");
        if (!Matches(info, sha))
            throw new UftException($"{tensorsPath}: checksum does not match {Path.GetFileName(sidecarPath)}; the file is corrupt, truncated or from another checkpoint");
        var tensors = Interop.SafeTensors.Load(tensorsPath, out var metadata);
        if (!metadata.TryGetValue(IdKey, out var id) || id != info.CheckpointId)
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw new UftException($"{tensorsPath}: checkpoint id differs from {Path.GetFileName(sidecarPath)}; the pair does not belong together");
        }
        return (tensors, info);

        static bool Matches(CheckpointInfo i, string sha) => string.Equals(sha, i.TensorsSha256, StringComparison.OrdinalIgnoreCase);
    }

    // Null when the file is absent; a one-line error when it is not a sidecar.
    static CheckpointInfo? ReadSidecar(string path)
    {
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<CheckpointInfo>(File.ReadAllText(path), Json) ?? throw new JsonException("null"); }
        catch (JsonException) { throw new UftException($"{path}: not a valid checkpoint sidecar (JSON)"); }
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
        // Checkpoints written before the queue kept image ids lack queue_ids: those keys belong to no known image (−1).
        var missing = expected.Keys.Where(k => !model.ContainsKey(k) && k != QueueIds).ToList();
        if (missing.Count > 0) throw new UftException($"checkpoint: {missing.Count} model tensors missing, first {missing[0]}; it is from another model");
        foreach (var (k, v) in model)
            if (expected.TryGetValue(k, out var e) && !e.shape.SequenceEqual(v.shape))
                throw new UftException($"checkpoint: {k} has shape [{string.Join(",", v.shape)}], the model [{string.Join(",", e.shape)}]; it is from another model");
        moco.load_state_dict(model, strict: false);
        if (!model.ContainsKey(QueueIds))
        {
            using var noImage = (-1).ToScalar(); // held to the end of the call (HeldScalar)
            moco.QueueIds.fill_(noImage);
        }
        optimizer.LoadStateDict(tensors.Where(kv => kv.Key.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[OptimizerPrefix.Length..], kv => kv.Value));
        moco.QueuePointer = info.QueuePointer;
    }

    static string TensorsPath(string folder, string name) => Path.Combine(folder, name + ".safetensors");
    static string SidecarPath(string tensorsPath) => Path.ChangeExtension(tensorsPath, ".json");
    static string NextSidecarPath(string tensorsPath) => Path.ChangeExtension(tensorsPath, ".next.json");
}
