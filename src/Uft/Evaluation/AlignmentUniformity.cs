using TorchSharp;
using static TorchSharp.torch;

namespace Uft.Evaluation;

/// <summary>
/// Alignment and uniformity of contrastive representations (Wang and Isola 2020) on L2-normalised features:
/// align = E ||z1 - z2||² over positive pairs (alpha = 2); uniform = log E exp(-2 ||zi - zj||²) over distinct
/// pairs within a view, averaged over the two views. Lower is better for both. Inputs are normalised here.
/// </summary>
public static class AlignmentUniformity
{
    /// <param name="z1">(N, D) first views.</param>
    /// <param name="z2">(N, D) second views, row i the positive of z1's row i.</param>
    public static (double Alignment, double Uniformity) Compute(Tensor z1, Tensor z2)
    {
        if (!z1.shape.SequenceEqual(z2.shape)) throw new ArgumentException("the two views must have the same shape");
        if (z1.shape[0] < 2) throw new ArgumentException("uniformity needs at least two items");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var a = nn.functional.normalize(z1.detach().to(ScalarType.Float64), dim: 1);
        var b = nn.functional.normalize(z2.detach().to(ScalarType.Float64), dim: 1);
        double align = (a - b).pow(HeldScalar.Two).sum(1).mean().ToDouble();
        return (align, (Uniformity(a) + Uniformity(b)) / 2);
    }

    static double Uniformity(Tensor z)
    {
        long n = z.shape[0];
        // For unit vectors ||zi - zj||² = 2 - 2 zi·zj; pairs i < j as torch.pdist takes them.
        var sq = z.matmul(z.t()).mul_(HeldScalar.MinusTwo).add_(HeldScalar.Two, HeldScalar.One).clamp_min_(HeldScalar.Zero);
        var upper = ones(n, n, dtype: ScalarType.Bool).triu(1);
        return sq.masked_select(upper).mul(HeldScalar.MinusTwo).exp().mean().log().ToDouble();
    }
}
