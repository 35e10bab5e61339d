using System.Security.Cryptography;

namespace Uft.Data;

/// <summary>
/// Files two image lists share, by full path or by identical bytes: an image in both the train and the test split
/// of an evaluation inflates every score that compares them (retrieval finds itself, kNN votes for itself).
/// Only files whose lengths occur on both sides are hashed (SHA-256), so disjoint folders cost a directory listing.
/// </summary>
public static class FolderOverlap
{
    /// <returns>Pairs (file in <paramref name="a"/>, same file in <paramref name="b"/>), in the order of <paramref name="a"/>.</returns>
    public static IReadOnlyList<(string A, string B)> Find(IReadOnlyList<ImageItem> a, IReadOnlyList<ImageItem> b, CancellationToken ct = default)
    {
        var bPaths = b.Select(i => Path.GetFullPath(i.Path)).ToList();
        var bByPath = bPaths.Distinct().ToHashSet();
        var shared = new List<(string, string)>();
        var aRest = new List<string>();
        foreach (var item in a)
        {
            string full = Path.GetFullPath(item.Path);
            if (bByPath.Contains(full)) shared.Add((item.Path, item.Path));
            else aRest.Add(item.Path);
        }
        var sharedPaths = shared.Select(s => s.Item2).ToHashSet();
        var bByLength = b.Where(i => !sharedPaths.Contains(i.Path)).GroupBy(i => new FileInfo(i.Path).Length).ToDictionary(g => g.Key, g => g.Select(i => i.Path).ToList());
        var hashes = new Dictionary<string, string>();
        string Hash(string path)
        {
            if (!hashes.TryGetValue(path, out var h))
            {
                ct.ThrowIfCancellationRequested();
                using var stream = File.OpenRead(path);
                hashes[path] = h = Convert.ToHexString(SHA256.HashData(stream));
            }
            return h;
        }
        foreach (var path in aRest)
        {
            if (!bByLength.TryGetValue(new FileInfo(path).Length, out var candidates)) continue;
            string h = Hash(path);
            if (candidates.FirstOrDefault(c => Hash(c) == h) is { } same) shared.Add((path, same));
        }
        return shared;
    }
}
