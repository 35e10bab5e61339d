using TorchSharp;
using static TorchSharp.torch;

namespace Uft.Evaluation;

/// <summary>
/// Label-free measures of a backbone's features on the target's own images (issue 41): candidates for telling a user
/// without labels whether finetuning helped. Each is a pure function of feature matrices (rows = images), so tests pin
/// them on hand-computed cases; whether any of them tracks the labelled measures is what docs/label-free.md validates.
/// Computed in float64.
/// </summary>
public static class LabelFree
{
    /// <summary>RankMe (Garrido et al. 2023), the effective rank exp(−Σ p_k log p_k) with p_k = σ_k / Σσ + ε over the
    /// singular values of the (N, D) embedding matrix: between 1 (collapse to a line) and min(N, D). Compare backbones
    /// only on the same N images: the cap moves with N.</summary>
    public static double RankMe(Tensor features, double epsilon = 1e-7)
    {
        if (features.dim() != 2 || features.shape[0] < 1) throw new ArgumentException("features must be (N, D) with N >= 1", nameof(features));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var sigma = linalg.svdvals(features.detach().to(ScalarType.Float64)).data<double>().ToArray();
        double total = sigma.Sum();
        if (!(total > 0)) return 1;
        double entropy = sigma.Select(s => s / total + epsilon).Sum(p => -p * Math.Log(p));
        return Math.Exp(entropy);
    }

    /// <summary>Soft neighbourhood density (Saito et al. 2021, "Tune it the right way"): the mean entropy of each image's
    /// softmax over its cosine similarities to the other images at temperature <paramref name="temperature"/> (0.05 in
    /// the paper; the image itself masked as in its code, at −1/T). Higher: denser neighbourhoods. The paper applies it
    /// to classifier outputs; here to the backbone's pooled features.</summary>
    public static double Snd(Tensor features, double temperature = 0.05)
    {
        if (features.dim() != 2 || features.shape[0] < 2) throw new ArgumentException("features must be (N, D) with N >= 2", nameof(features));
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "must be positive");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var invT = (1.0 / temperature).ToScalar();
        using var self = (-1.0 / temperature).ToScalar();
        var f = nn.functional.normalize(features.detach().to(ScalarType.Float64), dim: 1);
        long n = f.shape[0];
        var logits = f.matmul(f.t()).mul_(invT).masked_fill_(eye(n, dtype: ScalarType.Bool), self);
        var logP = logits.log_softmax(1);
        return logP.exp().mul(logP).sum(1).neg().mean().ToDouble();
    }

    /// <summary>Neighbour agreement between two augmented views of the same images (row i of <paramref name="a"/> and
    /// of <paramref name="b"/> is image i): the mean share of image i's <paramref name="k"/> nearest other images (cosine)
    /// that are the same in both views. 1: the neighbourhoods do not depend on the augmentation.</summary>
    public static double NeighbourAgreement(Tensor a, Tensor b, int k = 10)
    {
        if (!a.shape.SequenceEqual(b.shape) || a.dim() != 2) throw new ArgumentException("the two views must be (N, D) of the same shape");
        long n = a.shape[0];
        if (k < 1 || k > n - 1) throw new ArgumentOutOfRangeException(nameof(k), k, $"must be 1 to N - 1 ({n - 1})");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        long[] Neighbours(Tensor x)
        {
            var f = nn.functional.normalize(x.detach().to(ScalarType.Float64), dim: 1);
            using var minusInf = double.NegativeInfinity.ToScalar();
            var sim = f.matmul(f.t()).masked_fill_(eye(n, dtype: ScalarType.Bool), minusInf);
            return sim.topk(k, dim: 1).indexes.data<long>().ToArray();
        }
        long[] na = Neighbours(a), nb = Neighbours(b);
        double shared = 0;
        for (long i = 0; i < n; i++)
            shared += na.AsSpan((int)(i * k), k).ToArray().Intersect(nb.AsSpan((int)(i * k), k).ToArray()).Count();
        return shared / (n * k);
    }
}
