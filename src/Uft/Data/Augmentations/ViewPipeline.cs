namespace Uft.Data.Augmentations;

/// <summary>
/// Composes steps into an <see cref="IViewTransform"/>: bytes to [0, 1] floats, the steps in order (the last must
/// leave a Size x Size image), then per-channel normalisation <c>(x - mean) / std</c> into the output span.
/// </summary>
public sealed class ViewPipeline : IViewTransform
{
    readonly IImageOp[] _steps;
    readonly InputNorm _norm;

    public int Size { get; }
    public IReadOnlyList<IImageOp> Steps => _steps;

    public ViewPipeline(int size, InputNorm norm, params IImageOp[] steps)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), $"view size {size} must be positive");
        ArgumentNullException.ThrowIfNull(norm);
        if (norm.Mean.Length != 3 || norm.Std.Length != 3 || norm.Std.Any(s => !(s > 0)))
            throw new ArgumentException("normalisation needs 3 means and 3 positive standard deviations", nameof(norm));
        Size = size; _norm = norm; _steps = steps;
    }

    public void Apply(RgbImage image, Random rng, Span<float> chw)
    {
        var result = Run(image, rng);
        Normalize(result, _norm, chw);
    }

    /// <summary>The augmented view before normalisation (for pictures and tests).</summary>
    public FloatImage Run(RgbImage image, Random rng)
    {
        bool fromBytes = _steps.Length > 0 && _steps[0] is IRgbImageOp;
        var img = fromBytes ? ((IRgbImageOp)_steps[0]).Apply(image, rng) : FloatImage.FromRgb(image);
        for (int i = fromBytes ? 1 : 0; i < _steps.Length; i++) img = _steps[i].Apply(img, rng);
        if (img.Width != Size || img.Height != Size)
            throw new InvalidOperationException($"the steps left a {img.Width}x{img.Height} image, the view is {Size}x{Size}");
        return img;
    }

    /// <summary>torchvision's <c>normalize</c>: <c>(x - mean[c]) / std[c]</c> into <paramref name="chw"/>.</summary>
    public static void Normalize(FloatImage img, InputNorm norm, Span<float> chw)
    {
        if (chw.Length != img.Data.Length) throw new ArgumentException($"output holds {chw.Length} values, the image has {img.Data.Length}", nameof(chw));
        int plane = img.Plane;
        for (int c = 0; c < 3; c++)
        {
            float mean = norm.Mean[c], inv = 1f / norm.Std[c];
            var src = img.Data.AsSpan(c * plane, plane);
            var dst = chw.Slice(c * plane, plane);
            for (int i = 0; i < plane; i++) dst[i] = (src[i] - mean) * inv;
        }
    }
}
