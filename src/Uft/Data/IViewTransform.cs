namespace Uft.Data;

/// <summary>
/// Turns a decoded image into one network input: a normalised CHW float tensor of 3 x Size x Size, written into
/// <paramref name="chw"/> (length 3 * Size * Size) so the loader can fill a batch buffer without copies.
/// Random choices draw from <paramref name="rng"/> only, so the same seed gives the same pixels.
/// </summary>
public interface IViewTransform
{
    int Size { get; }
    void Apply(RgbImage image, Random rng, Span<float> chw);
}
