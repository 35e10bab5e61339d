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
        // Every number reaches libtorch as a held Scalar (see HeldScalar).
        using var initScale = 1e-4.ToScalar();
        // Disposed at the end of the method, so alive through the last iteration's native calls.
        using HeldScalar exaggerationS = new(), momentumS = new(), minusInvZ = new(), minusLr = new(), shrink = new(), grow = new(), minGain = new(), four = new();
        var y = randn(n, 2, generator: generator).mul_(initScale);
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
            var sq = y.pow(HeldScalar.Two).sum(1);
            var num = y.matmul(y.t()).mul_(HeldScalar.MinusTwo).add_(sq.unsqueeze(1), HeldScalar.One).add_(sq.unsqueeze(0), HeldScalar.One)
                .clamp_min_(HeldScalar.Zero).add_(HeldScalar.One, HeldScalar.One).reciprocal_();
            num.diagonal().zero_();
            double z = num.sum().ToDouble();
            // Gradient 4 sum_j (p_ij - q_ij) num_ij (yi - yj).
            var pq = num.mul(minusInvZ.Of(-1 / z)).add_(p, alpha: exaggerationS.Of(exaggeration)).mul_(num);
            var grad = (pq.sum(1, keepdim: true) * y - pq.matmul(y)).mul_(four.Of(4));
            // Gains grow where the gradient keeps pushing against the running update, shrink otherwise.
            var same = grad.sign().eq(update.sign());
            gains.copy_(where(same, gains.mul(shrink.Of(0.8)), gains.add(grow.Of(0.2), HeldScalar.One)).clamp_min_(minGain.Of(0.01)));
            update.mul_(momentumS.Of(momentum)).add_(gains * grad, minusLr.Of(-lr));
            y.add_(update, HeldScalar.One);
            if ((it + 1) % 50 == 0) progress?.Report(new EvalProgress("t-SNE", it + 1, iterations));
        }
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>Centres and projects onto the top principal components (eigenvectors of the covariance).</summary>
    static Tensor Pca(Tensor x, int dims)
    {
        var centred = x - x.mean([0], keepdim: true);
        if (dims <= 0 || x.shape[1] <= dims) return centred;
        using var count = Math.Max(1, x.shape[0] - 1).ToScalar();
        var cov = centred.t().matmul(centred).div_(count);
        var (_, vectors) = linalg.eigh(cov); // ascending eigenvalues
        return centred.matmul(vectors.narrow(1, x.shape[1] - dims, dims).flip(1));
    }

    static Tensor SquaredDistances(Tensor x)
    {
        var sq = x.pow(HeldScalar.Two).sum(1);
        return x.matmul(x.t()).mul_(HeldScalar.MinusTwo).add_(sq.unsqueeze(1), HeldScalar.One).add_(sq.unsqueeze(0), HeldScalar.One)
            .clamp_min_(HeldScalar.Zero);
    }

    /// <summary>Symmetrised affinities P = (P_j|i + P_i|j) / 2N, each row's bandwidth bisected (all rows at once)
    /// until the conditional distribution's entropy is log(perplexity).</summary>
    static Tensor JointProbabilities(Tensor dist, double perplexity)
    {
        long n = dist.shape[0];
        var eye = torch.eye(n, dtype: ScalarType.Bool);
        // Shifting each row by its smallest off-diagonal distance keeps exp() in range and leaves P unchanged.
        using var infinity = double.PositiveInfinity.ToScalar();
        using var target = Math.Log(perplexity).ToScalar();
        using var minSum = 1e-300.ToScalar();
        var d = dist - dist.masked_fill(eye, infinity).min(1, keepdim: true).values;
        d = d.masked_fill(eye, HeldScalar.Zero);
        var beta = ones(n, 1, dtype: ScalarType.Float64);
        var lo = zeros(n, 1, dtype: ScalarType.Float64);
        var hi = full(n, 1, infinity, dtype: ScalarType.Float64);
        Tensor? cond = null;
        for (int i = 0; i < 100; i++)
        {
            // Per-iteration scope: each try allocates several N x N tensors.
            using var step = NewDisposeScope();
            var c = (d.neg() * beta).exp_().masked_fill_(eye, HeldScalar.Zero);
            var sum = c.sum(1, keepdim: true).clamp_min_(minSum);
            var entropy = sum.log().add_(beta * (d * c).sum(1, keepdim: true) / sum, HeldScalar.One);
            cond?.Dispose();
            cond = c.div_(sum).MoveToOuterDisposeScope();
            if (entropy.sub(target).abs().max().ToDouble() < 1e-5) break;
            var tooFlat = entropy.gt(target); // entropy too high: narrow the kernel (raise beta)
            lo = where(tooFlat, beta, lo).MoveToOuterDisposeScope();
            hi = where(tooFlat, hi, beta).MoveToOuterDisposeScope();
            beta = where(hi.isinf(), beta.mul(HeldScalar.Two), lo.add(hi, HeldScalar.One).div_(HeldScalar.Two)).MoveToOuterDisposeScope();
        }
        using var pairs = (2 * n).ToScalar();
        using var minP = 1e-12.ToScalar();
        return cond!.add(cond!.t(), HeldScalar.One).div_(pairs).clamp_min_(minP);
    }
}
