namespace Uft.Data.Augmentations;

/// <summary>FixMatch's weak view: fit to size x size → HorizontalFlip p 0.5 → translate up to 12.5% (reflect) → Normalize.</summary>
public sealed class WeakTransform : IViewTransform
{
    readonly ViewPipeline _pipeline;

    public int Size => _pipeline.Size;
    public FixMatchOptions Options { get; }
    /// <summary>The resize target before the centre crop; decoding at it keeps the crop from upsampling.</summary>
    public int DecodeMinSide => (int)Math.Round(Size / Options.CropRatio, MidpointRounding.ToEven);

    public WeakTransform(int size, InputNorm norm, FixMatchOptions? options = null)
    {
        Options = options ?? new FixMatchOptions();
        Check.Size(size);
        Options.Validate();
        _pipeline = new ViewPipeline(size, norm,
            new ResizeCenterCrop(size, Options.CropRatio), new HorizontalFlip(Options.FlipP), new RandomTranslate(Options.TranslateFraction));
    }

    public void Apply(RgbImage image, Random rng, Span<float> chw) => _pipeline.Apply(image, rng, chw);

    public FloatImage Run(RgbImage image, Random rng) => _pipeline.Run(image, rng);
}
