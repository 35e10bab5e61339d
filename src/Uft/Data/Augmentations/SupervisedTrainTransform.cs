namespace Uft.Data.Augmentations;

/// <summary>RandomResizedCrop(size, scale 0.08-1) → HorizontalFlip p 0.5 → Normalize: the K-shot training view.</summary>
public sealed class SupervisedTrainTransform : IViewTransform
{
    readonly ViewPipeline _pipeline;

    public int Size => _pipeline.Size;
    public SupervisedTrainOptions Options { get; }

    public SupervisedTrainTransform(int size, InputNorm norm, SupervisedTrainOptions? options = null)
    {
        Options = options ?? new SupervisedTrainOptions();
        Check.Size(size);
        Options.Validate();
        _pipeline = new ViewPipeline(size, norm,
            new RandomResizedCrop(size, Options.ScaleMin, Options.ScaleMax, Options.RatioMin, Options.RatioMax),
            new HorizontalFlip(Options.FlipP));
    }

    public void Apply(RgbImage image, Random rng, Span<float> chw) => _pipeline.Apply(image, rng, chw);

    public FloatImage Run(RgbImage image, Random rng) => _pipeline.Run(image, rng);
}
