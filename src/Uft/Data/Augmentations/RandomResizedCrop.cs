namespace Uft.Data.Augmentations;

/// <summary>
/// torchvision's <c>RandomResizedCrop</c>: a box of random area share in [ScaleMin, ScaleMax] and aspect ratio
/// (log-uniform) in [RatioMin, RatioMax], 10 tries, then a centre crop clamped to the ratio range; resized
/// bilinearly (antialiased) to Size x Size.
/// </summary>
public sealed class RandomResizedCrop : IRgbImageOp
{
    public int Size { get; }
    public double ScaleMin { get; }
    public double ScaleMax { get; }
    public double RatioMin { get; }
    public double RatioMax { get; }

    public RandomResizedCrop(int size, double scaleMin, double scaleMax, double ratioMin = 3.0 / 4, double ratioMax = 4.0 / 3)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), $"crop size {size} must be positive");
        if (!(scaleMin > 0 && scaleMin <= scaleMax && scaleMax <= 1))
            throw new ArgumentOutOfRangeException(nameof(scaleMin), $"crop scale range [{scaleMin}, {scaleMax}] must satisfy 0 < min <= max <= 1");
        if (!(ratioMin > 0 && ratioMin <= ratioMax && double.IsFinite(ratioMax)))
            throw new ArgumentOutOfRangeException(nameof(ratioMin), $"crop aspect ratio range [{ratioMin}, {ratioMax}] must satisfy 0 < min <= max");
        Size = size; ScaleMin = scaleMin; ScaleMax = scaleMax; RatioMin = ratioMin; RatioMax = ratioMax;
    }

    public FloatImage Apply(FloatImage image, Random rng)
    {
        var (top, left, h, w) = SampleBox(image.Height, image.Width, rng);
        return Resize.ResizedCrop(image, top, left, h, w, Size, Size);
    }

    public FloatImage Apply(RgbImage image, Random rng)
    {
        var (top, left, h, w) = SampleBox(image.Height, image.Width, rng);
        return Resize.ResizedCrop(image, top, left, h, w, Size, Size);
    }

    /// <summary>torchvision's <c>RandomResizedCrop.get_params</c> (Python's round-half-to-even included).</summary>
    public (int Top, int Left, int Height, int Width) SampleBox(int height, int width, Random rng)
    {
        double area = (double)height * width;
        double logMin = Math.Log(RatioMin), logMax = Math.Log(RatioMax);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * Uniform(rng, ScaleMin, ScaleMax);
            double ratio = Math.Exp(Uniform(rng, logMin, logMax));
            int w = (int)Math.Round(Math.Sqrt(target * ratio), MidpointRounding.ToEven);
            int h = (int)Math.Round(Math.Sqrt(target / ratio), MidpointRounding.ToEven);
            if (w > 0 && w <= width && h > 0 && h <= height)
                return (rng.Next(height - h + 1), rng.Next(width - w + 1), h, w);
        }
        double inRatio = (double)width / height;
        int cw, ch;
        if (inRatio < RatioMin) { cw = width; ch = (int)Math.Round(cw / RatioMin, MidpointRounding.ToEven); }
        else if (inRatio > RatioMax) { ch = height; cw = (int)Math.Round(ch * RatioMax, MidpointRounding.ToEven); }
        else { cw = width; ch = height; }
        return ((height - ch) / 2, (width - cw) / 2, ch, cw);
    }

    static double Uniform(Random rng, double min, double max) => min + (max - min) * rng.NextDouble();
}
