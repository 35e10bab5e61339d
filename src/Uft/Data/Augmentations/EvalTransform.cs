namespace Uft.Data.Augmentations;

/// <summary>
/// Deterministic evaluation view: resize the shorter side to <c>round(size / cropRatio)</c>, centre-crop size x size,
/// normalise. <see cref="DefaultCropRatio"/> (1.0, the whole shorter side) is the one evaluation view of UFT: features,
/// monitor, batch-norm recalibration and every protocol use it (docs/evaluation.md says why not torchvision's 0.875).
/// </summary>
public sealed class EvalTransform : IViewTransform
{
    readonly ViewPipeline _pipeline;

    /// <summary>Resize the shorter side to the view size and crop the centre square: the whole shorter side is seen,
    /// as in the reference runs (../shared/REFERENCE_RESULTS.md) and the training monitor.</summary>
    public const double DefaultCropRatio = 1.0;

    public int Size => _pipeline.Size;
    public double CropRatio { get; }
    /// <summary>The resize target before the crop, round(size / cropRatio): a decode must reach it or the crop upsamples.</summary>
    public int DecodeMinSide { get; }

    public EvalTransform(int size, InputNorm norm, double cropRatio = DefaultCropRatio)
    {
        Check.Size(size);
        if (!(cropRatio > 0 && cropRatio <= 1)) throw UftException.Usage($"crop-ratio: {cropRatio} is not in (0, 1]; give e.g. 0.875 (ImageNet habit) or 1 (whole shorter side)");
        CropRatio = cropRatio;
        var resize = new ResizeCenterCrop(size, cropRatio);
        DecodeMinSide = resize.ResizeTo;
        _pipeline = new ViewPipeline(size, norm, resize);
    }

    public void Apply(RgbImage image, Random rng, Span<float> chw) => _pipeline.Apply(image, rng, chw);

    public FloatImage Run(RgbImage image, Random rng) => _pipeline.Run(image, rng);
}
