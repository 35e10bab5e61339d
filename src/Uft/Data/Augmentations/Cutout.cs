namespace Uft.Data.Augmentations;

/// <summary>
/// Cutout (DeVries and Taylor 2017) as in FixMatch: a square of side <c>Fraction * side</c> centred at a uniformly
/// random pixel (clipped at the borders) filled with mid-gray 0.5.
/// </summary>
public sealed class Cutout : IImageOp
{
    public double Fraction { get; }

    public Cutout(double fraction = 0.5)
    {
        if (!(fraction > 0 && fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(fraction), $"cutout fraction {fraction} must be in (0, 1]");
        Fraction = fraction;
    }

    public FloatImage Apply(FloatImage image, Random rng)
    {
        int side = Math.Max(1, (int)(Fraction * Math.Min(image.Width, image.Height)));
        int cx = rng.Next(image.Width), cy = rng.Next(image.Height);
        int x0 = Math.Max(0, cx - side / 2), y0 = Math.Max(0, cy - side / 2);
        int x1 = Math.Min(image.Width, x0 + side), y1 = Math.Min(image.Height, y0 + side);
        for (int c = 0; c < 3; c++)
            for (int y = y0; y < y1; y++)
                image.Data.AsSpan((c * image.Height + y) * image.Width + x0, x1 - x0).Fill(0.5f);
        return image;
    }
}
