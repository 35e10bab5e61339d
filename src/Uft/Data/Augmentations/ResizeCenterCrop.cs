namespace Uft.Data.Augmentations;

/// <summary>
/// torchvision's evaluation preprocessing <c>Resize(round(size / CropRatio))</c> then <c>CenterCrop(size)</c>.
/// CropRatio 0.875 is the ImageNet habit (256 then 224); 1.0 keeps the whole shorter side.
/// </summary>
public sealed class ResizeCenterCrop : IImageOp
{
    public int Size { get; }
    public double CropRatio { get; }
    public int ResizeTo { get; }

    public ResizeCenterCrop(int size, double cropRatio = 0.875)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), $"crop size {size} must be positive");
        if (!(cropRatio > 0 && cropRatio <= 1)) throw new ArgumentOutOfRangeException(nameof(cropRatio), $"crop ratio {cropRatio} must be in (0, 1]");
        Size = size; CropRatio = cropRatio;
        ResizeTo = (int)Math.Round(size / cropRatio, MidpointRounding.ToEven);
    }

    public FloatImage Apply(FloatImage image, Random rng)
    {
        var (h, w) = Resize.ShorterSideSize(image.Height, image.Width, ResizeTo);
        return Crop.Center(Resize.To(image, h, w), Size, Size);
    }
}
