namespace Uft.Data.Augmentations;

/// <summary>Mirrors left-right with probability <see cref="P"/> (torchvision's <c>RandomHorizontalFlip</c>).</summary>
public sealed class HorizontalFlip : IImageOp
{
    public double P { get; }

    public HorizontalFlip(double p = 0.5)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), $"flip probability {p} is not in [0, 1]");
        P = p;
    }

    public FloatImage Apply(FloatImage image, Random rng)
    {
        if (rng.NextDouble() < P) Crop.HorizontalFlip(image);
        return image;
    }
}
