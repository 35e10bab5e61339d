namespace Uft.Data.Augmentations;

/// <summary>
/// A float RGB image in planar CHW layout with values in [0, 1]: <c>Data[(c * Height + y) * Width + x]</c>.
/// The working buffer of every augmentation step (the layout torchvision's tensor ops use, so each op maps
/// one-to-one onto its torchvision reference).
/// </summary>
public sealed class FloatImage
{
    public int Width { get; }
    public int Height { get; }
    public float[] Data { get; }
    public int Plane => Width * Height;

    public FloatImage(int width, int height, float[]? data = null)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}x{height} must be positive");
        data ??= new float[3 * width * height];
        if (data.Length != 3 * width * height) throw new ArgumentException($"data has {data.Length} values, a 3x{height}x{width} image needs {3 * width * height}", nameof(data));
        Width = width; Height = height; Data = data;
    }

    public Span<float> Channel(int c) => Data.AsSpan(c * Plane, Plane);

    public FloatImage Clone() => new(Width, Height, (float[])Data.Clone());

    /// <summary>Bytes 0..255 to floats 0..1, as torchvision's ToTensor.</summary>
    public static FloatImage FromRgb(RgbImage image)
    {
        var result = new FloatImage(image.Width, image.Height);
        int plane = result.Plane;
        var px = image.Pixels;
        var d = result.Data;
        const float scale = 1f / 255f;
        for (int i = 0; i < plane; i++)
        {
            d[i] = px[3 * i] * scale;
            d[plane + i] = px[3 * i + 1] * scale;
            d[2 * plane + i] = px[3 * i + 2] * scale;
        }
        return result;
    }

    /// <summary>Rounds back to 8-bit HWC (for pictures and for ops defined on 8-bit levels).</summary>
    public RgbImage ToRgb()
    {
        var px = new byte[3 * Plane];
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < Plane; i++)
                px[3 * i + c] = (byte)Math.Clamp(MathF.Round(Data[c * Plane + i] * 255f), 0f, 255f);
        return new RgbImage(Width, Height, px);
    }
}
