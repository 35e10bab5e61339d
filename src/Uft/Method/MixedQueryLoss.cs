using TorchSharp;
using static TorchSharp.torch;

namespace Uft.Method;

/// <summary>
/// The mixed-query loss of unsupervised finetuning: a query made of λ of image a and 1−λ of image b should match
/// both keys in proportion, λ·InfoNCE(q_mix, k_a) + (1−λ)·InfoNCE(q_mix, k_b), against the shared queue.
/// </summary>
public static class MixedQueryLoss
{
    /// <summary>Per-sample losses (N) for mixed queries (N, D), own keys <paramref name="keysA"/> and partner keys
    /// <paramref name="keysB"/> (N, D), negatives <paramref name="queue"/> (K, D); all L2-normalised. <paramref name="exclude"/>
    /// (N, K), when given, marks negatives both terms leave out (<see cref="SameImageNegatives"/>).</summary>
    public static Tensor PerSample(Tensor mixedQueries, Tensor keysA, Tensor keysB, Tensor queue, double temperature, double lambda, Tensor? exclude = null)
    {
        using var scope = NewDisposeScope();
        var a = InfoNce.PerSample(mixedQueries, keysA, queue, temperature, exclude);
        var b = InfoNce.PerSample(mixedQueries, keysB, queue, temperature, exclude);
        using var own = lambda.ToScalar();
        using var other = (1 - lambda).ToScalar();
        return a.mul(own).add_(b, alpha: other).MoveToOuterDisposeScope();
    }

    /// <summary>The batch mean of <see cref="PerSample"/>.</summary>
    public static Tensor Loss(Tensor mixedQueries, Tensor keysA, Tensor keysB, Tensor queue, double temperature, double lambda, Tensor? exclude = null)
    {
        using var scope = NewDisposeScope();
        return PerSample(mixedQueries, keysA, keysB, queue, temperature, lambda, exclude).mean().MoveToOuterDisposeScope();
    }
}
