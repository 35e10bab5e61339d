namespace Uft.Data.Augmentations;

/// <summary>
/// One step of a view pipeline: takes a [0, 1] float image and returns the changed image (the same buffer when the
/// step works in place). Random choices draw from <paramref name="rng"/> only.
/// </summary>
public interface IImageOp
{
    FloatImage Apply(FloatImage image, Random rng);
}
