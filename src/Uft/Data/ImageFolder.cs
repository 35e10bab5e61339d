namespace Uft.Data;

/// <summary>One image of a folder: its path, class index (-1 when unlabeled) and source tag (0 = target).</summary>
public sealed record ImageItem(string Path, int Label, int Source = 0);

/// <summary>A file that was passed over, and why.</summary>
public sealed record SkippedFile(string Path, string Reason);

/// <summary>How much of each file a scan reads to decide that it is an image.</summary>
public enum ScanCheck
{
    /// <summary>Extension, size and header (dimensions): cheap, catches most bad files.</summary>
    Header,
    /// <summary>Decode every image fully: also catches truncated data. Slow on large folders.</summary>
    Full,
}

public readonly record struct ScanProgress(int Done, int Total);

/// <summary>
/// An image folder: torchvision's labelled layout <c>root/&lt;class&gt;/**/&lt;image&gt;</c> (classes are the
/// ordinally sorted folder names) or an unlabelled tree of images. Bad files are skipped and listed, never fatal.
/// </summary>
public sealed class ImageFolder
{
    public string Root { get; }
    /// <summary>Class names, index = label. Empty for an unlabelled folder.</summary>
    public IReadOnlyList<string> Classes { get; }
    public IReadOnlyList<ImageItem> Items { get; }
    public IReadOnlyList<SkippedFile> Skipped { get; }
    public bool IsLabeled => Classes.Count > 0;
    public int Count => Items.Count;

    ImageFolder(string root, IReadOnlyList<string> classes, IReadOnlyList<ImageItem> items, IReadOnlyList<SkippedFile> skipped)
    {
        Root = root; Classes = classes; Items = items; Skipped = skipped;
    }

    /// <summary>Reads <c>root/&lt;class&gt;/**</c>. Loose files directly in <paramref name="root"/> are skipped.</summary>
    public static ImageFolder Labeled(string root, ScanCheck check = ScanCheck.Header, IProgress<ScanProgress>? progress = null, CancellationToken ct = default)
    {
        var dir = RequireDirectory(root);
        var classDirs = dir.EnumerateDirectories().Select(d => d.Name).Order(StringComparer.Ordinal).ToList();
        if (classDirs.Count == 0)
            throw UftException.Usage($"{root}: no class folders; a labelled folder is laid out as {root}/<class>/<image>");
        var candidates = new List<(string Path, int Label)>();
        var skipped = new List<SkippedFile>();
        var visited = new HashSet<string>(StringComparer.Ordinal) { dir.FullName };
        foreach (var file in dir.EnumerateFiles())
            skipped.Add(new SkippedFile(file.FullName, "not inside a class folder"));
        for (int c = 0; c < classDirs.Count; c++)
            foreach (var path in Walk(Path.Combine(dir.FullName, classDirs[c]), visited, skipped))
                candidates.Add((path, c));
        return Build(root, classDirs, candidates, skipped, check, progress, ct);
    }

    /// <summary>Reads every image below <paramref name="root"/>, whatever the layout; no labels.</summary>
    public static ImageFolder Unlabeled(string root, ScanCheck check = ScanCheck.Header, IProgress<ScanProgress>? progress = null, CancellationToken ct = default)
    {
        var dir = RequireDirectory(root);
        var skipped = new List<SkippedFile>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var candidates = Walk(dir.FullName, visited, skipped).Select(p => (p, -1)).ToList();
        return Build(root, [], candidates, skipped, check, progress, ct);
    }

    /// <summary>A folder made of chosen items (a replay subset, a K-shot sample), keeping the class list.</summary>
    public ImageFolder Subset(IEnumerable<ImageItem> items) => new(Root, Classes, items.ToList(), []);

    /// <summary>Counts of images per class, in class order.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[Classes.Count];
        foreach (var item in Items) if (item.Label >= 0) counts[item.Label]++;
        return counts;
    }

    /// <summary>"3 of 3033 files skipped: a.jpg (empty file), ..." or null when nothing was skipped.</summary>
    public string? SkippedSummary(int show = 5)
    {
        if (Skipped.Count == 0) return null;
        var shown = string.Join(", ", Skipped.Take(show).Select(s => $"{Path.GetFileName(s.Path)} ({s.Reason})"));
        string more = Skipped.Count > show ? $", and {Skipped.Count - show} more" : "";
        return $"{Skipped.Count} of {Skipped.Count + Items.Count} files skipped: {shown}{more}";
    }

    static DirectoryInfo RequireDirectory(string root)
    {
        var dir = new DirectoryInfo(root);
        if (!dir.Exists)
            throw UftException.Usage(File.Exists(root) ? $"{root}: is a file; give a folder of images" : $"{root}: folder not found");
        return dir;
    }

    // Depth-first, ordinal order, following directory links once each (a link loop is visited once, then skipped).
    static IEnumerable<string> Walk(string dir, HashSet<string> visited, List<SkippedFile> skipped)
    {
        var stack = new Stack<string>();
        stack.Push(dir);
        while (stack.Count > 0)
        {
            string current = stack.Pop();
            string real = RealPath(current);
            if (current != dir && !visited.Add(real))
            {
                skipped.Add(new SkippedFile(current, "folder link loop or repeat, passed over"));
                continue;
            }
            visited.Add(real);
            string[] files, subdirs;
            try
            {
                files = Directory.GetFiles(current);
                subdirs = Directory.GetDirectories(current);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                skipped.Add(new SkippedFile(current, "unreadable folder"));
                continue;
            }
            Array.Sort(files, StringComparer.Ordinal);
            Array.Sort(subdirs, StringComparer.Ordinal);
            foreach (var f in files) yield return f;
            for (int i = subdirs.Length - 1; i >= 0; i--) stack.Push(subdirs[i]);
        }
    }

    static string RealPath(string dir)
    {
        try
        {
            var target = new DirectoryInfo(dir).ResolveLinkTarget(returnFinalTarget: true);
            return target?.FullName ?? Path.GetFullPath(dir);
        }
        catch (IOException) { return dir; }
    }

    static ImageFolder Build(string root, List<string> classes, List<(string Path, int Label)> candidates, List<SkippedFile> skipped,
        ScanCheck check, IProgress<ScanProgress>? progress, CancellationToken ct)
    {
        var ok = new bool[candidates.Count];
        var reasons = new string?[candidates.Count];
        int done = 0;
        Parallel.For(0, candidates.Count, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            reasons[i] = Check(candidates[i].Path, check);
            ok[i] = reasons[i] is null;
            int d = Interlocked.Increment(ref done);
            if (progress is not null && (d % 64 == 0 || d == candidates.Count)) progress.Report(new ScanProgress(d, candidates.Count));
        });
        var items = new List<ImageItem>(candidates.Count);
        for (int i = 0; i < candidates.Count; i++)
            if (ok[i]) items.Add(new ImageItem(candidates[i].Path, candidates[i].Label));
            else skipped.Add(new SkippedFile(candidates[i].Path, reasons[i]!));
        if (items.Count == 0)
            throw UftException.Usage($"{root}: no readable image (jpg, jpeg, png, bmp, webp, gif) found" +
                                     (skipped.Count > 0 ? $"; {skipped.Count} files skipped, first: {Path.GetFileName(skipped[0].Path)} ({skipped[0].Reason})" : ""));
        return new ImageFolder(root, classes, items, skipped);
    }

    /// <summary>Null when the file is a usable image, else the reason it is not.</summary>
    public static string? Check(string path, ScanCheck check)
    {
        if (!ImageDecoder.HasImageExtension(path)) return "not an image file extension";
        try
        {
            if (check == ScanCheck.Full) { ImageDecoder.Decode(path); return null; }
            var info = new FileInfo(path);
            if (info.Length == 0) return "empty file";
            using var stream = File.OpenRead(path);
            using var codec = SkiaSharp.SKCodec.Create(stream, out var result);
            if (codec is null) return $"not a decodable image ({result})";
            if (codec.Info.Width <= 0 || codec.Info.Height <= 0) return "zero-size image";
            if ((long)codec.Info.Width * codec.Info.Height > ImageDecoder.MaxPixels)
                return $"{codec.Info.Width}x{codec.Info.Height} is over the {ImageDecoder.MaxPixels / 1_000_000} megapixel limit";
            return null;
        }
        catch (ImageDecodeException e) { return e.Reason; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return "unreadable (" + e.GetType().Name.Replace("Exception", "") + ")"; }
    }
}
