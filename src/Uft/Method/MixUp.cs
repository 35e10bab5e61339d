using TorchSharp;
using static TorchSharp.torch;

namespace Uft.Method;

/// <summary>
/// MixUp (Zhang et al. 2018) for queries: λ·x_i + (1−λ)·x_partner(i), one λ per batch like <see cref="CutMix"/>
/// so that both mixings share the same loss weighting and cost.
/// </summary>
public static class MixUp
{
    public static MixedBatch Apply(Tensor images, long[] partner, double lambda)
    {
        if (!(lambda >= 0 && lambda <= 1)) throw new ArgumentOutOfRangeException(nameof(lambda), $"λ {lambda} is not in [0, 1]");
        using var scope = NewDisposeScope();
        using var index = tensor(partner, device: images.device);
        using var own = lambda.ToScalar();
        using var other = (1 - lambda).ToScalar();
        var mixed = images.mul(own).add_(images.index_select(0, index), alpha: other);
        return new MixedBatch(mixed.MoveToOuterDisposeScope(), partner, lambda);
    }

    /// <summary>Draws λ ~ Beta(α, α) and a partner permutation, and mixes.</summary>
    public static MixedBatch Mix(Tensor images, double alpha, Random rng)
    {
        double lambda = RandomDraws.Beta(alpha, alpha, rng);
        return Apply(images, RandomDraws.Permutation((int)images.shape[0], rng), lambda);
    }
}
