namespace Uft.Data;

/// <summary>Image size statistics of a folder, for `uft data check`.</summary>
public sealed record DataReport(SizeRange? SizeRange)
{
    /// <summary>Reads the dimensions of every image from its header (cheap; no full decode).</summary>
    public static DataReport Create(ImageFolder folder)
    {
        var sizes = new (int W, int H)[folder.Count];
        Parallel.For(0, folder.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            using var codec = SkiaSharp.SKCodec.Create(folder.Items[i].Path);
            sizes[i] = codec is null ? (0, 0) : (codec.Info.Width, codec.Info.Height);
        });
        var valid = sizes.Where(s => s.W > 0).ToArray();
        return new DataReport(valid.Length == 0 ? null
            : new SizeRange(valid.Min(s => s.W), valid.Max(s => s.W), valid.Min(s => s.H), valid.Max(s => s.H)));
    }
}

public sealed record SizeRange(int MinWidth, int MaxWidth, int MinHeight, int MaxHeight);
