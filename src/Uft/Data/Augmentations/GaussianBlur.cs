namespace Uft.Data.Augmentations;

/// <summary>torchvision's <c>GaussianBlur</c>: a fixed odd kernel size and sigma uniform in [SigmaMin, SigmaMax] per image.</summary>
public sealed class GaussianBlur : IImageOp
{
    public int KernelSize { get; }
    public double SigmaMin { get; }
    public double SigmaMax { get; }

    public GaussianBlur(int kernelSize, double sigmaMin = 0.1, double sigmaMax = 2.0)
    {
        if (kernelSize <= 0 || kernelSize % 2 == 0) throw new ArgumentOutOfRangeException(nameof(kernelSize), $"blur kernel size {kernelSize} must be odd and positive");
        if (!(sigmaMin > 0 && sigmaMin <= sigmaMax && double.IsFinite(sigmaMax)))
            throw new ArgumentOutOfRangeException(nameof(sigmaMin), $"blur sigma range [{sigmaMin}, {sigmaMax}] must satisfy 0 < min <= max");
        KernelSize = kernelSize; SigmaMin = sigmaMin; SigmaMax = sigmaMax;
    }

    /// <summary>About 10% of the crop side, odd: <c>2 * (size / 20) + 1</c> (23 at 224 px, as MoCo v2; 7 at 64 px).</summary>
    public static int KernelFor(int size) => 2 * (size / 20) + 1;

    public FloatImage Apply(FloatImage image, Random rng) =>
        Blur.Gaussian(image, KernelSize, SigmaMin + (SigmaMax - SigmaMin) * rng.NextDouble());
}
