using TorchSharp;
using static TorchSharp.torch;

namespace Uft.Evaluation;

/// <summary>
/// Retrieval accuracy: each query retrieves its <c>k</c> most cosine-similar gallery items; the score is the mean
/// over queries of the share of those <c>k</c> that carry the query's label.
/// </summary>
public static class Retrieval
{
    /// <param name="queryFeats">(Q, D) features; need not be normalised.</param>
    /// <param name="galleryFeats">(G, D) features, G &gt;= k.</param>
    public static double TopKAccuracy(Tensor queryFeats, int[] queryLabels, Tensor galleryFeats, int[] galleryLabels, int k = 5)
    {
        if (galleryLabels.Length != galleryFeats.shape[0]) throw new ArgumentException("gallery labels and features differ in length");
        return Accuracy(Hits(TopKNeighbours(queryFeats, galleryFeats, k), queryLabels, galleryLabels), k);
    }

    /// <summary>Per query, how many of its neighbours (a row of <see cref="TopKNeighbours"/>) carry its label; kept
    /// per query for per-class figures.</summary>
    public static int[] Hits(int[,] neighbours, int[] queryLabels, int[] galleryLabels)
    {
        if (queryLabels.Length != neighbours.GetLength(0)) throw new ArgumentException("labels and features differ in length");
        var hits = new int[queryLabels.Length];
        for (int q = 0; q < queryLabels.Length; q++)
            for (int j = 0; j < neighbours.GetLength(1); j++)
                if (galleryLabels[neighbours[q, j]] == queryLabels[q]) hits[q]++;
        return hits;
    }

    /// <summary>The mean over queries of hits / k, as one exact fraction.</summary>
    public static double Accuracy(int[] hits, int k) => hits.Length == 0 ? 0 : (double)hits.Sum() / ((long)hits.Length * k);

    /// <summary>Indices (Q, k) of each query's k most cosine-similar gallery rows, most similar first.</summary>
    public static int[,] TopKNeighbours(Tensor queryFeats, Tensor galleryFeats, int k, int chunk = 2048)
    {
        long q = queryFeats.shape[0], g = galleryFeats.shape[0];
        if (k < 1 || k > g) throw new ArgumentOutOfRangeException(nameof(k), $"k = {k} must lie in 1..{g} (gallery size)");
        var result = new int[q, k];
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var gallery = nn.functional.normalize(galleryFeats, dim: 1).t().contiguous();
        for (long start = 0; start < q; start += chunk)
        {
            using var step = NewDisposeScope();
            long n = Math.Min(chunk, q - start);
            var queries = nn.functional.normalize(queryFeats.narrow(0, start, n), dim: 1);
            var (_, idx) = queries.matmul(gallery).topk(k, dim: 1);
            var flat = idx.to(ScalarType.Int32).data<int>().ToArray();
            for (int i = 0; i < n; i++)
                for (int j = 0; j < k; j++) result[start + i, j] = flat[i * k + j];
        }
        return result;
    }
}
