namespace Uft.Data.Augmentations;

/// <summary>
/// FixMatch's weak translation: reflect-pad by <c>round(Fraction * side)</c> and take a random crop of the original
/// size (torchvision's <c>RandomCrop(size, padding, padding_mode="reflect")</c>), i.e. a shift of up to that many pixels.
/// </summary>
public sealed class RandomTranslate : IImageOp
{
    public double Fraction { get; }

    public RandomTranslate(double fraction = 0.125)
    {
        if (!(fraction >= 0 && fraction < 1)) throw new ArgumentOutOfRangeException(nameof(fraction), $"translate fraction {fraction} must be in [0, 1)");
        Fraction = fraction;
    }

    public FloatImage Apply(FloatImage image, Random rng)
    {
        int pad = (int)Math.Round(Fraction * Math.Min(image.Width, image.Height));
        // Reflection cannot reach further than one image side.
        pad = Math.Min(pad, Math.Min(image.Width, image.Height) - 1);
        if (pad <= 0) return image;
        var padded = Crop.ReflectPad(image, pad);
        return Crop.Box(padded, rng.Next(2 * pad + 1), rng.Next(2 * pad + 1), image.Height, image.Width);
    }
}
