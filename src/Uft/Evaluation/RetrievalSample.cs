using System.Security.Cryptography;
using System.Text;
using Uft.Data;
using static TorchSharp.torch;

namespace Uft.Evaluation;

/// <summary>
/// Retrieval to look at rather than score: a fixed sample of test queries, each with its k nearest train images
/// (cosine similarity, most similar first) and whether each carries the query's class. The report draws it as a
/// gallery. Paths are relative to the two roots, with '/' separators.
/// </summary>
public sealed record RetrievalSample(string TrainRoot, string TestRoot, IReadOnlyList<RetrievalSample.Query> Queries)
{
    public sealed record Query(string Path, string Class, IReadOnlyList<Neighbour> Neighbours);

    public sealed record Neighbour(string Path, string Class, bool Match, double Similarity);

    /// <param name="neighbours">(Q, k) gallery rows per test item, from <see cref="Retrieval.TopKNeighbours"/>.</param>
    public static RetrievalSample Build(Tensor testFeats, Tensor trainFeats, int[,] neighbours, ImageFolder test, ImageFolder train, int count, int seed)
    {
        int k = neighbours.GetLength(1);
        var queries = ChooseQueries(test.Items, test.Root, count, seed);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        // Cosine similarity of each chosen query with each of its neighbours, row-major (query, rank).
        var rows = queries.SelectMany(qi => Enumerable.Range(0, k).Select(j => (long)neighbours[qi, j])).ToArray();
        var query = nn.functional.normalize(testFeats.index_select(0, tensor(queries.Select(i => (long)i).ToArray())), dim: 1).repeat_interleave(k, dim: 0);
        var gallery = nn.functional.normalize(trainFeats.index_select(0, tensor(rows)), dim: 1);
        var sims = (query * gallery).sum(1).to(ScalarType.Float64).data<double>().ToArray();
        var result = queries.Select((qi, n) =>
        {
            var item = test.Items[qi];
            var hits = Enumerable.Range(0, k).Select(j =>
            {
                var hit = train.Items[neighbours[qi, j]];
                return new Neighbour(Relative(train.Root, hit.Path), train.Classes[hit.Label], hit.Label == item.Label, Math.Round(sims[n * k + j], 4));
            }).ToList();
            return new Query(Relative(test.Root, item.Path), test.Classes[item.Label], hits);
        }).ToList();
        return new RetrievalSample(Path.GetFullPath(train.Root), Path.GetFullPath(test.Root), result);
    }

    /// <summary>
    /// Indices of up to <paramref name="count"/> items spread over classes: class by class in label order, evenly
    /// spaced when fewer queries than classes, round after round when more. Within a class, items are taken in order
    /// of a SHA-256 of the seed and the path relative to <paramref name="root"/>, so the choice depends on the folder's
    /// contents alone: the same in every process, for every backbone, wherever the folder lies and in whatever order
    /// it was listed (string.GetHashCode and HashCode are randomised per process, so they would not do).
    /// </summary>
    public static int[] ChooseQueries(IReadOnlyList<ImageItem> items, string root, int count, int seed)
    {
        var byClass = Enumerable.Range(0, items.Count).Where(i => items[i].Label >= 0).GroupBy(i => items[i].Label).OrderBy(g => g.Key)
            .Select(g => g.Select(i => (Index: i, Key: Key(seed, Relative(root, items[i].Path)))).OrderBy(x => x.Key, StringComparer.Ordinal)
                .Select(x => x.Index).ToList())
            .ToList();
        var picked = new List<int>();
        for (int round = 0; picked.Count < count; round++)
        {
            var open = byClass.Where(c => c.Count > round).ToList();
            if (open.Count == 0) break;
            int take = Math.Min(count - picked.Count, open.Count);
            for (int i = 0; i < take; i++) picked.Add(open[i * open.Count / take][round]);
        }
        return picked.ToArray();
    }

    /// <summary>Hex SHA-256 of "seed:path", ties (never in practice) broken by the path itself.</summary>
    static string Key(int seed, string relativePath) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}:{relativePath}"))) + "|" + relativePath;

    static string Relative(string root, string path) => System.IO.Path.GetRelativePath(System.IO.Path.GetFullPath(root), path).Replace('\\', '/');
}
