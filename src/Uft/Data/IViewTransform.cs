namespace Uft.Data;

/// <summary>
/// Turns a decoded image into one network input: a normalised CHW float tensor of 3 x Size x Size, written into
/// <paramref name="chw"/> (length 3 * Size * Size) so the loader can fill a batch buffer without copies.
/// Random choices draw from <paramref name="rng"/> only, so the same seed gives the same pixels.
/// </summary>
public interface IViewTransform
{
    int Size { get; }

    /// <summary>The shorter side an image must keep when decoded for this view: a JPEG may then decode at a reduced
    /// 1/8 scale that still reaches it. 0 (the default) decodes at full size, which random crops need: a crop of 8% of
    /// the image must still come from real pixels, not from an enlarged reduced decode.</summary>
    int DecodeMinSide => 0;
    void Apply(RgbImage image, Random rng, Span<float> chw);
}
