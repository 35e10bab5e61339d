namespace Uft.Data.Augmentations;

/// <summary>
/// FixMatch's RandAugment: <see cref="Ops"/> times, pick one of 14 ops uniformly and, with probability
/// <see cref="P"/>, apply it with a magnitude uniform in its range (FixMatch table 12). Cutout is a separate step.
/// </summary>
public sealed class RandAugment : IImageOp
{
    /// <summary>Op names in draw order.</summary>
    public static IReadOnlyList<string> OpNames { get; } =
    [
        "Identity", "AutoContrast", "Equalize", "Brightness", "Color", "Contrast", "Sharpness", "Posterize",
        "Solarize", "Rotate", "ShearX", "ShearY", "TranslateX", "TranslateY",
    ];

    public int Ops { get; }
    public double P { get; }

    public RandAugment(int ops = 2, double p = 0.5)
    {
        if (ops is < 1 or > 14) throw new ArgumentOutOfRangeException(nameof(ops), $"RandAugment op count {ops} must be in 1..14");
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), $"RandAugment probability {p} is not in [0, 1]");
        Ops = ops; P = p;
    }

    public FloatImage Apply(FloatImage image, Random rng)
    {
        for (int n = 0; n < Ops; n++)
        {
            int op = rng.Next(OpNames.Count);
            double u = rng.NextDouble();
            if (rng.NextDouble() >= P) continue;
            image = ApplyOp(image, op, u);
        }
        return image;
    }

    /// <summary>Op <paramref name="op"/> (index into <see cref="OpNames"/>) at magnitude <paramref name="u"/> in [0, 1] across its range.</summary>
    public static FloatImage ApplyOp(FloatImage image, int op, double u)
    {
        float Between(double min, double max) => (float)(min + (max - min) * u);
        switch (op)
        {
            case 0: return image;
            case 1: RandAugmentOps.AutoContrast(image); return image;
            case 2: RandAugmentOps.Equalize(image); return image;
            case 3: Color.AdjustBrightness(image, Between(0.05, 0.95)); return image;
            case 4: Color.AdjustSaturation(image, Between(0.05, 0.95)); return image;
            case 5: Color.AdjustContrast(image, Between(0.05, 0.95)); return image;
            case 6: RandAugmentOps.Sharpness(image, Between(0.05, 0.95)); return image;
            case 7: RandAugmentOps.Posterize(image, (int)Math.Round(Between(4, 8))); return image;
            case 8: RandAugmentOps.Solarize(image, Between(0, 1)); return image;
            case 9: return RandAugmentOps.Rotate(image, Between(-30, 30));
            case 10: return RandAugmentOps.ShearX(image, Between(-0.3, 0.3));
            case 11: return RandAugmentOps.ShearY(image, Between(-0.3, 0.3));
            case 12: return RandAugmentOps.TranslateX(image, Between(-0.3, 0.3));
            case 13: return RandAugmentOps.TranslateY(image, Between(-0.3, 0.3));
            default: throw new ArgumentOutOfRangeException(nameof(op), $"RandAugment op {op} is not in 0..{OpNames.Count - 1}");
        }
    }
}
