using Uft.Models;

namespace Uft.Data.Augmentations;

/// <summary>
/// Deterministic evaluation view: resize the shorter side to <c>round(size / cropRatio)</c>, centre-crop size x size,
/// normalise. cropRatio 0.875 is torchvision's ImageNet evaluation (256 → 224); 1.0 keeps the whole shorter side.
/// </summary>
public sealed class EvalTransform : IViewTransform
{
    readonly ViewPipeline _pipeline;

    public int Size => _pipeline.Size;
    public double CropRatio { get; }

    public EvalTransform(int size, InputNorm norm, double cropRatio = 0.875)
    {
        Check.Size(size);
        if (!(cropRatio > 0 && cropRatio <= 1)) throw UftException.Usage($"crop-ratio: {cropRatio} is not in (0, 1]; give e.g. 0.875 (ImageNet habit) or 1 (whole shorter side)");
        CropRatio = cropRatio;
        _pipeline = new ViewPipeline(size, norm, new ResizeCenterCrop(size, cropRatio));
    }

    public void Apply(RgbImage image, Random rng, Span<float> chw) => _pipeline.Apply(image, rng, chw);

    public FloatImage Run(RgbImage image, Random rng) => _pipeline.Run(image, rng);
}
