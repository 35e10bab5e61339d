namespace Uft.Data;

/// <summary>An 8-bit RGB image in row-major HWC layout: <c>Pixels[(y * Width + x) * 3 + c]</c>.</summary>
public sealed record RgbImage(int Width, int Height, byte[] Pixels)
{
    public static RgbImage Blank(int width, int height) => new(width, height, new byte[width * height * 3]);
}
