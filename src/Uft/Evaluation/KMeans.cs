using TorchSharp;
using static TorchSharp.torch;

namespace Uft.Evaluation;

/// <summary>
/// K-means (Lloyd) with greedy k-means++ seeding (Arthur and Vassilvitskii 2007, with scikit-learn's
/// 2 + ln k local trials), several restarts, keeping the lowest inertia. Distances are computed in batches as
/// ||x||² - 2 x·cᵀ + ||c||² with one matmul, in the dtype of <c>x</c> (pass float64 for exact comparisons).
/// </summary>
public static class KMeans
{
    /// <param name="x">(N, D) points.</param>
    /// <param name="k">Number of clusters, 1..N.</param>
    /// <param name="restarts">Independent seedings; the run with the lowest inertia wins (sklearn's n_init).</param>
    /// <param name="maxIter">Lloyd iterations per restart at most.</param>
    /// <param name="tol">Stop when the squared centre shift summed over centres is at most tol x mean feature
    /// variance (sklearn's rule); 0 runs until assignments stop changing.</param>
    /// <param name="progress">Reports each finished restart (stage "K-means").</param>
    /// <returns>Assignments (N), centroids (k, D) and inertia (sum of squared distances to the assigned centroid).</returns>
    public static (int[] Assignments, Tensor Centroids, double Inertia) Fit(Tensor x, int k, int restarts = 10, int seed = 0, int maxIter = 300, double tol = 1e-4,
        IProgress<EvalProgress>? progress = null, CancellationToken ct = default)
    {
        if (x.dim() != 2) throw new ArgumentException($"x must be (N, D), got {x.dim()} dimensions");
        long n = x.shape[0];
        if (k < 1 || k > n) throw new ArgumentOutOfRangeException(nameof(k), $"k = {k} must lie in 1..{n} (number of points)");
        if (restarts < 1) throw new ArgumentOutOfRangeException(nameof(restarts), "restarts must be at least 1");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var points = x.contiguous();
        var sqNorms = points.pow(HeldScalar.Two).sum(1);
        double threshold = tol * points.var(0, unbiased: false).mean().ToDouble();
        var rng = new Random(seed);
        Tensor? bestCentroids = null;
        Tensor? bestAssign = null;
        double bestInertia = double.PositiveInfinity;
        for (int r = 0; r < restarts; r++)
        {
            ct.ThrowIfCancellationRequested();
            var centroids = PlusPlus(points, sqNorms, k, rng);
            var (assign, inertia) = Lloyd(points, sqNorms, ref centroids, maxIter, threshold);
            if (inertia < bestInertia)
            {
                bestInertia = inertia;
                bestCentroids = centroids;
                bestAssign = assign;
            }
            progress?.Report(new EvalProgress("K-means", r + 1, restarts));
        }
        var assignments = bestAssign!.to(ScalarType.Int32).data<int>().ToArray();
        return (assignments, bestCentroids!.MoveToOuterDisposeScope(), bestInertia);
    }

    /// <summary>Squared Euclidean distances (N, M) between rows of x and rows of c, clamped at 0 against rounding.</summary>
    static Tensor SquaredDistances(Tensor x, Tensor xSqNorms, Tensor c) =>
        x.matmul(c.t()).mul_(HeldScalar.MinusTwo).add_(xSqNorms.unsqueeze(1), HeldScalar.One)
            .add_(c.pow(HeldScalar.Two).sum(1).unsqueeze(0), HeldScalar.One).clamp_min_(HeldScalar.Zero);

    static (Tensor Assign, double Inertia) Lloyd(Tensor x, Tensor sqNorms, ref Tensor centroids, int maxIter, double threshold)
    {
        long n = x.shape[0], k = centroids.shape[0];
        Tensor? previous = null;
        for (int it = 0; it < maxIter; it++)
        {
            // Each iteration frees its (N, k) distance matrix; only the small state moves out.
            using var step = NewDisposeScope();
            var assign = SquaredDistances(x, sqNorms, centroids).argmin(1);
            if (previous is not null && assign.eq(previous).all().ToBoolean()) break;
            previous = assign.MoveToOuterDisposeScope();
            var sums = zeros(k, x.shape[1], dtype: x.dtype).index_add_(0, assign, x, HeldScalar.One);
            var counts = zeros(k, dtype: x.dtype).index_add_(0, assign, ones(n, dtype: x.dtype), HeldScalar.One);
            var updated = sums / counts.clamp_min(HeldScalar.One).unsqueeze(1);
            var empty = counts.eq(HeldScalar.Zero);
            if (empty.any().ToBoolean())
                updated = ReseedEmpty(x, sqNorms, centroids, assign, updated, empty);
            double shift = (updated - centroids).pow(HeldScalar.Two).sum().ToDouble();
            centroids = updated.MoveToOuterDisposeScope();
            if (shift <= threshold) break;
        }
        // Final E-step so that assignments and inertia describe the returned centroids.
        var final = SquaredDistances(x, sqNorms, centroids).min(1);
        return (final.indexes, final.values.sum().ToDouble());
    }

    /// <summary>An empty cluster takes the point farthest from its current centre (as scikit-learn does).</summary>
    static Tensor ReseedEmpty(Tensor x, Tensor sqNorms, Tensor centroids, Tensor assign, Tensor updated, Tensor empty)
    {
        var own = SquaredDistances(x, sqNorms, centroids).gather(1, assign.unsqueeze(1)).squeeze(1);
        var emptyIdx = empty.nonzero().squeeze(1);
        var far = own.topk((int)emptyIdx.shape[0]).indexes;
        var result = updated.clone();
        result.index_copy_(0, emptyIdx, x.index_select(0, far));
        return result;
    }

    /// <summary>Greedy k-means++: each new centre is the best (lowest potential) of 2 + ln k candidates drawn with
    /// probability proportional to the squared distance to the nearest centre chosen so far.</summary>
    static Tensor PlusPlus(Tensor x, Tensor sqNorms, int k, Random rng)
    {
        long n = x.shape[0];
        int trials = 2 + (int)Math.Log(k);
        var chosen = new long[k];
        chosen[0] = rng.NextInt64(n);
        var closest = SquaredDistances(x, sqNorms, x.narrow(0, chosen[0], 1)).squeeze(1);
        for (int c = 1; c < k; c++)
        {
            using var step = NewDisposeScope();
            var weights = closest.to(ScalarType.Float64).data<double>().ToArray();
            var cumulative = new double[n];
            double total = 0;
            for (int i = 0; i < n; i++) cumulative[i] = total += weights[i];
            var candidates = new long[trials];
            for (int t = 0; t < trials; t++)
            {
                double u = rng.NextDouble() * total;
                int idx = Array.BinarySearch(cumulative, u);
                if (idx < 0) idx = ~idx;
                candidates[t] = Math.Min(idx, n - 1);
            }
            var candDist = SquaredDistances(x, sqNorms, x.index_select(0, tensor(candidates))); // (N, trials)
            var merged = minimum(candDist, closest.unsqueeze(1));
            int best = (int)merged.sum(0).argmin().ToInt64();
            chosen[c] = candidates[best];
            closest = merged.select(1, best).contiguous().MoveToOuterDisposeScope();
        }
        return x.index_select(0, tensor(chosen)).clone();
    }
}
