using static TorchSharp.torch;

namespace Uft.Interop;

/// <summary>
/// Loads PyTorch weights into a UFT module by name: torchvision ResNet state dicts, MoCo v2 checkpoints
/// (<c>moco_v2_*.pth.tar</c>: a dict whose <c>state_dict</c> holds <c>module.encoder_q.*</c>, <c>module.encoder_k.*</c>
/// and the queue) and any <c>.safetensors</c>. <c>.pth</c>/<c>.pth.tar</c>/<c>.pt</c> may be torch.save's zip format
/// (PyTorch ≥ 1.6) or its legacy format (the 2020 MoCo releases), read by <see cref="TorchSaveFile"/> without Python.
/// </summary>
public static class StateDictImport
{
    public const string MocoPrefix = "module.encoder_q.";

    /// <summary>
    /// Strict load: every model key must come from the file with the same shape (classifier and projection-head
    /// keys such as <c>fc.*</c> may be left over and are reported). Throws a usage error naming the first keys and
    /// shapes that do not fit; nothing is changed then.
    /// </summary>
    /// <param name="prefix">Stripped from file keys; keys without it are ignored. null: detect (MoCo's
    /// <c>module.encoder_q.</c>, else DataParallel's <c>module.</c> when every key has it, else none).</param>
    public static ImportReport Load(nn.Module target, string path, string? prefix = null)
    {
        var source = ReadFile(path);
        try
        {
            var (report, pairs) = Plan(target, source, prefix);
            if (!report.IsComplete)
                throw UftException.Usage($"{path}: state dict does not fit {target.GetName()}: {report.Summary()}");
            Copy(pairs);
            return report;
        }
        finally
        {
            foreach (var t in source.Values) t.Dispose();
        }
    }

    /// <summary>Non-strict load of tensors already in memory: copies what fits, reports the rest.</summary>
    public static ImportReport Apply(nn.Module target, IReadOnlyDictionary<string, Tensor> source, string? prefix = null)
    {
        var (report, pairs) = Plan(target, source, prefix);
        Copy(pairs);
        return report;
    }

    /// <summary>The tensors of a <c>.safetensors</c> or <c>torch.save</c> file (zip or legacy pre-1.6 format); for a
    /// checkpoint dict the entries of its <c>state_dict</c> (or <c>model</c>), non-tensor values dropped. Other entries
    /// (optimizer state) are not read. The caller disposes the tensors.</summary>
    public static Dictionary<string, Tensor> ReadFile(string path)
    {
        if (!File.Exists(path)) throw UftException.Usage($"{path}: file not found");
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)) return SafeTensors.Load(path);

        using var file = TorchSaveFile.Open(path);
        if (file.Root is not Dictionary<object, object?> root)
            throw UftException.Usage($"{path}: holds a {file.Root?.GetType().Name ?? "None"}, not a state dict or checkpoint dict");
        var dict = root.GetValueOrDefault("state_dict") as Dictionary<object, object?> ?? root.GetValueOrDefault("model") as Dictionary<object, object?> ?? root;
        var result = new Dictionary<string, Tensor>();
        try
        {
            foreach (var (k, v) in dict)
                if (k is string key && v is TorchPickle.TensorRef t) result[key] = file.ReadTensor(t);
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>The prefix <see cref="Load"/> strips when none is given.</summary>
    public static string DetectPrefix(IEnumerable<string> keys)
    {
        var list = keys.ToList();
        if (list.Any(k => k.StartsWith(MocoPrefix, StringComparison.Ordinal))) return MocoPrefix;
        if (list.Any(k => k.StartsWith("encoder_q.", StringComparison.Ordinal))) return "encoder_q.";
        if (list.Count > 0 && list.All(k => k.StartsWith("module.", StringComparison.Ordinal))) return "module.";
        return "";
    }

    static (ImportReport, List<(Tensor Dst, Tensor Src)>) Plan(nn.Module target, IReadOnlyDictionary<string, Tensor> source, string? prefix)
    {
        prefix ??= DetectPrefix(source.Keys);
        var stripped = new Dictionary<string, Tensor>();
        int ignored = 0;
        foreach (var (k, v) in source)
            if (k.StartsWith(prefix, StringComparison.Ordinal)) stripped[k[prefix.Length..]] = v;
            else ignored++;

        var own = target.state_dict();
        var loaded = new List<string>();
        var missing = new List<string>();
        var mismatched = new List<ShapeMismatch>();
        var pairs = new List<(Tensor, Tensor)>();
        foreach (var (k, dst) in own)
        {
            if (!stripped.TryGetValue(k, out var src))
            {
                if (!k.EndsWith("num_batches_tracked", StringComparison.Ordinal)) missing.Add(k);
                continue;
            }
            if (!src.shape.SequenceEqual(dst.shape)) { mismatched.Add(new ShapeMismatch(k, dst.shape, src.shape)); continue; }
            loaded.Add(k);
            pairs.Add((dst, src));
        }
        var unexpected = stripped.Keys.Where(k => !own.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        return (new ImportReport(loaded, missing, unexpected, mismatched, ignored, prefix), pairs);
    }

    static void Copy(List<(Tensor Dst, Tensor Src)> pairs)
    {
        using var _ = no_grad();
        foreach (var (dst, src) in pairs) dst.copy_(src);
    }
}
