namespace Uft.Interop;

/// <summary>What happened when a state dict was loaded into a module.</summary>
/// <param name="Loaded">Target keys that received a tensor.</param>
/// <param name="Missing">Target keys the file lacks (BatchNorm's <c>num_batches_tracked</c> counters are not counted:
/// old checkpoints and ONNX exports do not carry them and they do not affect the output).</param>
/// <param name="Unexpected">File keys (after prefix stripping) the target has no place for, e.g. a classifier <c>fc.*</c>.</param>
/// <param name="Mismatched">Keys present on both sides with different shapes: nothing was loaded into them.</param>
/// <param name="Ignored">File keys outside the prefix (MoCo's key encoder and queue, for instance).</param>
/// <param name="Prefix">The prefix stripped from file keys ("" for none).</param>
public sealed record ImportReport(
    IReadOnlyList<string> Loaded,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<ShapeMismatch> Mismatched,
    int Ignored,
    string Prefix)
{
    public bool IsComplete => Missing.Count == 0 && Mismatched.Count == 0;

    /// <summary>One line: counts, then the keys that need attention (at most 5 of each kind).</summary>
    public string Summary()
    {
        static string Few(IEnumerable<string> keys, int count) =>
            string.Join(", ", keys.Take(5)) + (count > 5 ? $", ... ({count - 5} more)" : "");
        var parts = new List<string> { $"{Loaded.Count} loaded" + (Prefix.Length > 0 ? $" from prefix '{Prefix}'" : "") };
        if (Mismatched.Count > 0) parts.Add($"{Mismatched.Count} with wrong shape: {Few(Mismatched.Select(m => m.ToString()), Mismatched.Count)}");
        if (Missing.Count > 0) parts.Add($"{Missing.Count} missing: {Few(Missing, Missing.Count)}");
        if (Unexpected.Count > 0) parts.Add($"{Unexpected.Count} unexpected: {Few(Unexpected, Unexpected.Count)}");
        if (Ignored > 0) parts.Add($"{Ignored} outside the prefix ignored");
        return string.Join("; ", parts);
    }
}
