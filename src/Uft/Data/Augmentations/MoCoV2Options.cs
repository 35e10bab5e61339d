namespace Uft.Data.Augmentations;

/// <summary>
/// MoCo v2's "aug-plus" (Chen et al. 2020, "Improved Baselines with Momentum Contrastive Learning"), with its defaults.
/// BlurKernel 0 means <see cref="GaussianBlur.KernelFor"/> (about 10% of the crop side, odd).
/// </summary>
public sealed record MoCoV2Options(
    double ScaleMin = 0.2, double ScaleMax = 1.0,
    double RatioMin = 3.0 / 4, double RatioMax = 4.0 / 3,
    float Brightness = 0.4f, float Contrast = 0.4f, float Saturation = 0.4f, float Hue = 0.1f, double JitterP = 0.8,
    double GrayscaleP = 0.2,
    double SigmaMin = 0.1, double SigmaMax = 2.0, double BlurP = 0.5, int BlurKernel = 0,
    double FlipP = 0.5)
{
    /// <summary>The crop side MoCo v2's blur σ range was chosen for (ImageNet at 224 px).</summary>
    public const int ReferenceSize = 224;

    /// <summary>
    /// The blur σ range scaled by <paramref name="size"/>/224, so a blur removes the same share of an image's detail at
    /// every resolution: σ ∈ [0.1, 2] px at 224 px is 3.5 times as strong, relative to the image, at 64 px, where this
    /// gives [0.029, 0.57]. The kernel needs no scaling: <see cref="GaussianBlur.KernelFor"/> is already ~10% of the side.
    /// </summary>
    public MoCoV2Options WithBlurScaledTo(int size)
    {
        Check.Size(size);
        double f = (double)size / ReferenceSize;
        return this with { SigmaMin = SigmaMin * f, SigmaMax = SigmaMax * f };
    }

    public void Validate()
    {
        Check.Range(ScaleMin, ScaleMax, 1e-6, 1, "scale");
        Check.Range(RatioMin, RatioMax, 1e-6, 1e6, "ratio");
        Check.Range(Brightness, Brightness, 0, 1e6, "brightness");
        Check.Range(Contrast, Contrast, 0, 1e6, "contrast");
        Check.Range(Saturation, Saturation, 0, 1e6, "saturation");
        Check.Range(Hue, Hue, 0, 0.5, "hue");
        Check.Probability(JitterP, "jitter-p");
        Check.Probability(GrayscaleP, "grayscale-p");
        Check.Range(SigmaMin, SigmaMax, 1e-6, 1e3, "blur sigma");
        Check.Probability(BlurP, "blur-p");
        if (BlurKernel < 0 || (BlurKernel > 0 && BlurKernel % 2 == 0))
            throw UftException.Usage($"blur-kernel: {BlurKernel} is not an odd size; give an odd number of pixels, or 0 for 10% of the crop");
        Check.Probability(FlipP, "flip-p");
    }
}
