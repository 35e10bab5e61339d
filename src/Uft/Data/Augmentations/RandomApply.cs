namespace Uft.Data.Augmentations;

/// <summary>torchvision's <c>RandomApply</c>: runs <see cref="Op"/> with probability <see cref="P"/>.</summary>
public sealed class RandomApply : IImageOp
{
    public IImageOp Op { get; }
    public double P { get; }

    public RandomApply(IImageOp op, double p)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), $"probability {p} is not in [0, 1]");
        Op = op; P = p;
    }

    public FloatImage Apply(FloatImage image, Random rng) => rng.NextDouble() < P ? Op.Apply(image, rng) : image;
}
