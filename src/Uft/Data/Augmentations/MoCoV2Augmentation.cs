namespace Uft.Data.Augmentations;

/// <summary>
/// MoCo v2 aug-plus, one view per call: RandomResizedCrop(size, scale 0.2-1) → ColorJitter(0.4, 0.4, 0.4, 0.1)
/// p 0.8 → RandomGrayscale p 0.2 → GaussianBlur σ∈[0.1, 2] p 0.5 → HorizontalFlip p 0.5 → Normalize.
/// Call it twice with the same image for the query and key views.
/// </summary>
public sealed class MoCoV2Augmentation : IViewTransform
{
    readonly ViewPipeline _pipeline;

    public int Size => _pipeline.Size;
    public MoCoV2Options Options { get; }

    public MoCoV2Augmentation(int size, InputNorm norm, MoCoV2Options? options = null)
    {
        Options = options ?? new MoCoV2Options();
        Check.Size(size);
        Options.Validate();
        var o = Options;
        _pipeline = new ViewPipeline(size, norm,
            new RandomResizedCrop(size, o.ScaleMin, o.ScaleMax, o.RatioMin, o.RatioMax),
            new RandomApply(new ColorJitter(o.Brightness, o.Contrast, o.Saturation, o.Hue), o.JitterP),
            new RandomApply(new Grayscale(), o.GrayscaleP),
            new RandomApply(new GaussianBlur(o.BlurKernel > 0 ? o.BlurKernel : GaussianBlur.KernelFor(size), o.SigmaMin, o.SigmaMax), o.BlurP),
            new HorizontalFlip(o.FlipP));
    }

    public void Apply(RgbImage image, Random rng, Span<float> chw) => _pipeline.Apply(image, rng, chw);

    /// <summary>The view before normalisation, [0, 1] (for pictures).</summary>
    public FloatImage Run(RgbImage image, Random rng) => _pipeline.Run(image, rng);
}
