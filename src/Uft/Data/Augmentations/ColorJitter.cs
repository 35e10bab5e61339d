namespace Uft.Data.Augmentations;

/// <summary>
/// torchvision's <c>ColorJitter</c>: brightness, contrast and saturation factors uniform in [1 - x, 1 + x]
/// (floored at 0), a hue shift uniform in [-hue, hue], applied in a random order per image. A strength of 0 skips that op.
/// </summary>
public sealed class ColorJitter : IImageOp
{
    public float Brightness { get; }
    public float Contrast { get; }
    public float Saturation { get; }
    public float Hue { get; }

    public ColorJitter(float brightness, float contrast, float saturation, float hue)
    {
        foreach (var (v, name) in new[] { (brightness, nameof(brightness)), (contrast, nameof(contrast)), (saturation, nameof(saturation)) })
            if (!(v >= 0) || float.IsInfinity(v)) throw new ArgumentOutOfRangeException(name, $"colour jitter {name} {v} must be a finite number >= 0");
        if (!(hue >= 0 && hue <= 0.5f)) throw new ArgumentOutOfRangeException(nameof(hue), $"colour jitter hue {hue} must be in [0, 0.5]");
        Brightness = brightness; Contrast = contrast; Saturation = saturation; Hue = hue;
    }

    public FloatImage Apply(FloatImage image, Random rng)
    {
        Span<int> order = [0, 1, 2, 3];
        rng.Shuffle(order);
        foreach (int op in order)
            switch (op)
            {
                case 0 when Brightness > 0: Color.AdjustBrightness(image, Factor(rng, Brightness)); break;
                case 1 when Contrast > 0: Color.AdjustContrast(image, Factor(rng, Contrast)); break;
                case 2 when Saturation > 0: Color.AdjustSaturation(image, Factor(rng, Saturation)); break;
                case 3 when Hue > 0: Color.AdjustHue(image, (float)((rng.NextDouble() * 2 - 1) * Hue)); break;
            }
        return image;
    }

    static float Factor(Random rng, float strength)
    {
        double min = Math.Max(0, 1 - strength), max = 1 + strength;
        return (float)(min + (max - min) * rng.NextDouble());
    }
}
