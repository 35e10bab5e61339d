namespace Uft.Data;

/// <summary>
/// Sparse source-data replay (Li et al. 2021): a fixed random subset of the source (pretraining) images, trained
/// alongside the target set to keep the representation from collapsing onto the few target images. The subset is
/// drawn once per run, deterministically from a seed, tagged <see cref="ImageItem.Source"/> = 1, and saved as a
/// text list (one path per line) in the run folder so a resumed or audited run sees the same images.
/// </summary>
public sealed class SourceReplay
{
    /// <summary>Paper default: a tenth of the source images.</summary>
    public const double DefaultFraction = 0.1;

    public IReadOnlyList<ImageItem> Items { get; }

    SourceReplay(IReadOnlyList<ImageItem> items) => Items = items;

    /// <summary>
    /// Draws ⌈fraction·|source|⌉ items (or exactly <paramref name="count"/> when given) uniformly without replacement,
    /// kept in source order. Same seed, same subset.
    /// </summary>
    public static SourceReplay Sample(IReadOnlyList<ImageItem> source, int seed, double fraction = DefaultFraction, int? count = null)
    {
        if (source.Count == 0) throw UftException.Usage("--source: the source folder has no images to replay");
        int n;
        if (count is int c)
        {
            if (c < 1 || c > source.Count) throw UftException.Usage($"--replay-count: {c} must be between 1 and the {source.Count} source images");
            n = c;
        }
        else
        {
            if (!(fraction > 0 && fraction <= 1)) throw UftException.Usage($"--replay-fraction: {fraction} must be in (0, 1], e.g. 0.1 for a tenth of the source images");
            n = Math.Max(1, (int)Math.Ceiling(fraction * source.Count - 1e-9));
        }
        var rng = new Random(seed);
        var index = Enumerable.Range(0, source.Count).ToArray();
        for (int i = 0; i < n; i++)
        {
            int j = i + rng.Next(source.Count - i);
            (index[i], index[j]) = (index[j], index[i]);
        }
        return new SourceReplay(index.Take(n).Order().Select(i => source[i] with { Source = 1 }).ToList());
    }

    /// <summary>Writes the subset as one path per line (UTF-8, '\n').</summary>
    public void Save(string path)
    {
        AtomicFile.WriteAllText(path, string.Concat(Items.Select(i => i.Path + "\n")));
    }

    /// <summary>Reads a list written by <see cref="Save"/>; items are unlabelled (-1) source items.</summary>
    public static SourceReplay Load(string path)
    {
        if (!File.Exists(path)) throw UftException.Usage($"{path}: replay list not found");
        var items = File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => new ImageItem(l, -1, Source: 1)).ToList();
        if (items.Count == 0) throw UftException.Usage($"{path}: replay list is empty");
        return new SourceReplay(items);
    }
}
