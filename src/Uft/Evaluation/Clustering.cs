using static TorchSharp.torch;

namespace Uft.Evaluation;

/// <summary>Clustering accuracy: K-means with k = number of classes on the features, scored against the labels.</summary>
public static class Clustering
{
    public static ClusteringScores Evaluate(Tensor features, int[] labels, int restarts = 10, int seed = 0, int maxIter = 300,
        IProgress<EvalProgress>? progress = null, CancellationToken ct = default)
    {
        int k = labels.Distinct().Count();
        var (assignments, centroids, _) = KMeans.Fit(features, k, restarts, seed, maxIter, progress: progress, ct: ct);
        centroids.Dispose();
        var (p, r, f) = BCubed.Score(assignments, labels);
        return new ClusteringScores(p, r, f, Nmi.Compute(assignments, labels));
    }
}
