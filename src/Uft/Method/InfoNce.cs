using TorchSharp;
using static TorchSharp.torch;

namespace Uft.Method;

/// <summary>
/// The InfoNCE loss of MoCo (He et al. 2020, eq. 1), as in facebookresearch/moco <c>builder.py</c>:
/// logits = [q·k₊, q·queueᵀ] / T and cross-entropy with the positive at index 0.
/// All inputs are expected L2-normalised; nothing here normalises or touches gradients of the queue.
/// </summary>
public static class InfoNce
{
    /// <summary>Logits (N, 1+K) for queries <paramref name="q"/> (N, D), positive keys <paramref name="positive"/> (N, D)
    /// and negatives <paramref name="queue"/> (K, D).</summary>
    public static Tensor Logits(Tensor q, Tensor positive, Tensor queue, double temperature)
    {
        using var scope = NewDisposeScope();
        var lPos = (q * positive).sum(1, keepdim: true);
        var lNeg = q.matmul(queue.t());
        using var t = temperature.ToScalar();
        return cat([lPos, lNeg], 1).div_(t).MoveToOuterDisposeScope();
    }

    /// <summary>Per-sample losses (N): −log softmax(logits)[0] = logsumexp(logits) − logits[0].
    /// Kept per sample so the mixed-query loss can weight each term by λ. <paramref name="exclude"/> (N, K), when given,
    /// marks negatives to leave out (<see cref="SameImageNegatives"/>).</summary>
    public static Tensor PerSample(Tensor q, Tensor positive, Tensor queue, double temperature, Tensor? exclude = null)
    {
        using var scope = NewDisposeScope();
        var logits = SameImageNegatives.Apply(Logits(q, positive, queue, temperature), exclude);
        return (logits.logsumexp(1) - logits.select(1, 0)).MoveToOuterDisposeScope();
    }

    /// <summary>The batch mean of <see cref="PerSample"/>, i.e. <c>cross_entropy(logits, zeros)</c>.</summary>
    public static Tensor Loss(Tensor q, Tensor positive, Tensor queue, double temperature, Tensor? exclude = null)
    {
        using var scope = NewDisposeScope();
        return PerSample(q, positive, queue, temperature, exclude).mean().MoveToOuterDisposeScope();
    }
}
