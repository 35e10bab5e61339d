namespace Uft.Data.Augmentations;

/// <summary>Luma 0.299 R + 0.587 G + 0.114 B copied to all three channels; wrap in <see cref="RandomApply"/> for RandomGrayscale.</summary>
public sealed class Grayscale : IImageOp
{
    public FloatImage Apply(FloatImage image, Random rng)
    {
        Color.Grayscale(image);
        return image;
    }
}
