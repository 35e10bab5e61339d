namespace Uft.Data.Augmentations;

/// <summary>FixMatch's strong view: the weak view's steps → RandAugment (2 ops, random magnitude) → Cutout (half the side) → Normalize.</summary>
public sealed class StrongTransform : IViewTransform
{
    readonly ViewPipeline _pipeline;

    public int Size => _pipeline.Size;
    public FixMatchOptions Options { get; }
    /// <summary>The resize target before the centre crop; decoding at it keeps the crop from upsampling.</summary>
    public int DecodeMinSide => (int)Math.Round(Size / Options.CropRatio, MidpointRounding.ToEven);

    public StrongTransform(int size, InputNorm norm, FixMatchOptions? options = null)
    {
        Options = options ?? new FixMatchOptions();
        Check.Size(size);
        Options.Validate();
        var o = Options;
        _pipeline = new ViewPipeline(size, norm,
            new ResizeCenterCrop(size, o.CropRatio), new HorizontalFlip(o.FlipP), new RandomTranslate(o.TranslateFraction),
            new RandAugment(o.RandOps, o.RandP), new Cutout(o.CutoutFraction));
    }

    public void Apply(RgbImage image, Random rng, Span<float> chw) => _pipeline.Apply(image, rng, chw);

    public FloatImage Run(RgbImage image, Random rng) => _pipeline.Run(image, rng);
}
