namespace Uft.Data.Augmentations;

/// <summary>
/// A step that can also start a pipeline from the decoded 8-bit image, reading only the pixels it needs
/// (a crop of a large photo) instead of converting the whole image to floats first.
/// </summary>
public interface IRgbImageOp : IImageOp
{
    FloatImage Apply(RgbImage image, Random rng);
}
