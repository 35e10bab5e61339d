using TorchSharp;
using static TorchSharp.torch;

namespace Uft.Evaluation;

/// <summary>
/// Exact t-SNE (van der Maaten and Hinton 2008) in tensor ops, O(N²) memory, meant for up to a few thousand points:
/// PCA to 50 dimensions first, per-point Gaussian bandwidths found by bisection to the target perplexity,
/// early exaggeration 12 for 250 iterations, momentum 0.5 then 0.8, adaptive gains, and scikit-learn's
/// automatic learning rate max(N / 12 / 4, 50).
/// </summary>
public static class TSne
{
    const double Exaggeration = 12;
    const int ExaggerationIters = 250;

    /// <param name="x">(N, D) features.</param>
    /// <returns>(N, 2) float32 embedding.</returns>
    public static Tensor Embed(Tensor x, double perplexity = 30, int pcaDims = 50, int iterations = 1000, int seed = 0, IProgress<EvalProgress>? progress = null, CancellationToken ct = default)
    {
        long n = x.shape[0];
        if (x.dim() != 2 || n < 4) throw new ArgumentException("t-SNE needs an (N, D) matrix with N >= 4");
        if (perplexity <= 0 || perplexity >= n) throw new ArgumentOutOfRangeException(nameof(perplexity), $"perplexity {perplexity} must lie in (0, N = {n})");
        using var memory = NativeRuntime.ReturnLargeBlocks();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var data = Pca(x.detach().to(ScalarType.Float64), pcaDims);
        var p = JointProbabilities(SquaredDistances(data), perplexity);

        // The descent runs in float32 (memory-bound N x N passes, half the bytes); affinities were found in float64.
        p = p.to(ScalarType.Float32);
        var generator = new Generator((ulong)seed);
        var y = randn(n, 2, generator: generator).mul_(1e-4);
        var update = zeros_like(y);
        var gains = ones_like(y);
        double lr = Math.Max(n / Exaggeration / 4, 50);
        for (int it = 0; it < iterations; it++)
        {
            ct.ThrowIfCancellationRequested();
            using var step = NewDisposeScope();
            double exaggeration = it < ExaggerationIters ? Exaggeration : 1;
            double momentum = it < ExaggerationIters ? 0.5 : 0.8;
            // Student-t kernel num_ij = 1 / (1 + ||yi - yj||²), built in place; Q = num / sum(num).
            var sq = y.pow(2).sum(1);
            var num = y.matmul(y.t()).mul_(-2).add_(sq.unsqueeze(1)).add_(sq.unsqueeze(0)).clamp_min_(0).add_(1).reciprocal_();
            num.diagonal().zero_();
            double z = num.sum().ToDouble();
            // Gradient 4 sum_j (p_ij - q_ij) num_ij (yi - yj).
            var pq = num.mul(-1 / z).add_(p, alpha: exaggeration).mul_(num);
            var grad = (pq.sum(1, keepdim: true) * y - pq.matmul(y)).mul_(4);
            // Gains grow where the gradient keeps pushing against the running update, shrink otherwise.
            var same = grad.sign().eq(update.sign());
            gains.copy_(where(same, gains * 0.8, gains + 0.2).clamp_min_(0.01));
            update.mul_(momentum).sub_(gains * grad * lr);
            y.add_(update);
            if ((it + 1) % 50 == 0) progress?.Report(new EvalProgress("t-SNE", it + 1, iterations));
        }
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>Centres and projects onto the top principal components (eigenvectors of the covariance).</summary>
    static Tensor Pca(Tensor x, int dims)
    {
        var centred = x - x.mean([0], keepdim: true);
        if (dims <= 0 || x.shape[1] <= dims) return centred;
        var cov = centred.t().matmul(centred) / Math.Max(1, x.shape[0] - 1);
        var (_, vectors) = linalg.eigh(cov); // ascending eigenvalues
        return centred.matmul(vectors.narrow(1, x.shape[1] - dims, dims).flip(1));
    }

    static Tensor SquaredDistances(Tensor x)
    {
        var sq = x.pow(2).sum(1);
        return (sq.unsqueeze(1) - 2 * x.matmul(x.t()) + sq.unsqueeze(0)).clamp_min_(0);
    }

    /// <summary>Symmetrised affinities P = (P_j|i + P_i|j) / 2N, each row's bandwidth bisected (all rows at once)
    /// until the conditional distribution's entropy is log(perplexity).</summary>
    static Tensor JointProbabilities(Tensor dist, double perplexity)
    {
        long n = dist.shape[0];
        var eye = torch.eye(n, dtype: ScalarType.Bool);
        // Shifting each row by its smallest off-diagonal distance keeps exp() in range and leaves P unchanged.
        var d = dist - dist.masked_fill(eye, double.PositiveInfinity).min(1, keepdim: true).values;
        d = d.masked_fill(eye, 0);
        double target = Math.Log(perplexity);
        var beta = ones(n, 1, dtype: ScalarType.Float64);
        var lo = full(n, 1, 0.0, dtype: ScalarType.Float64);
        var hi = full(n, 1, double.PositiveInfinity, dtype: ScalarType.Float64);
        Tensor? cond = null;
        for (int i = 0; i < 100; i++)
        {
            // Per-iteration scope: each try allocates several N x N tensors.
            using var step = NewDisposeScope();
            var c = (-d * beta).exp_().masked_fill_(eye, 0);
            var sum = c.sum(1, keepdim: true).clamp_min_(1e-300);
            var entropy = sum.log() + beta * (d * c).sum(1, keepdim: true) / sum;
            cond?.Dispose();
            cond = c.div_(sum).MoveToOuterDisposeScope();
            if ((entropy - target).abs().max().ToDouble() < 1e-5) break;
            var tooFlat = entropy > target; // entropy too high: narrow the kernel (raise beta)
            lo = where(tooFlat, beta, lo).MoveToOuterDisposeScope();
            hi = where(tooFlat, hi, beta).MoveToOuterDisposeScope();
            beta = where(hi.isinf(), beta * 2, (lo + hi) / 2).MoveToOuterDisposeScope();
        }
        return ((cond! + cond!.t()) / (2 * n)).clamp_min_(1e-12);
    }
}
