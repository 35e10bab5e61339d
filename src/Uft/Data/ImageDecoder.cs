using SkiaSharp;

namespace Uft.Data;

/// <summary>Why a file could not be used as an image.</summary>
public sealed class ImageDecodeException(string path, string reason) : Exception($"{path}: {reason}")
{
    public string Path { get; } = path;
    public string Reason { get; } = reason;
}

/// <summary>
/// Decodes jpg/png/bmp/webp/gif (first frame) to RGB with SkiaSharp: grayscale expanded, alpha dropped,
/// EXIF orientation applied. Refuses images over <see cref="MaxPixels"/> before allocating them.
/// </summary>
public static class ImageDecoder
{
    /// <summary>Decompression-bomb guard: 50 megapixels.</summary>
    public const long MaxPixels = 50_000_000;

    public static readonly IReadOnlySet<string> Extensions =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif" };

    public static bool HasImageExtension(string path) => Extensions.Contains(System.IO.Path.GetExtension(path));

    /// <summary>Decodes a file. <paramref name="minSide"/> &gt; 0 lets JPEG decode at a reduced scale whose
    /// shorter side is still at least that many pixels (much faster for large photos).</summary>
    public static RgbImage Decode(string path, int minSide = 0)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageDecodeException(path, "unreadable (" + e.GetType().Name.Replace("Exception", "") + ")");
        }
        return Decode(bytes, path, minSide);
    }

    public static RgbImage Decode(byte[] bytes, string name, int minSide = 0)
    {
        if (bytes.Length == 0) throw new ImageDecodeException(name, "empty file");
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data) ?? throw new ImageDecodeException(name, "not a decodable image");
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0) throw new ImageDecodeException(name, "zero-size image");
        if ((long)info.Width * info.Height > MaxPixels)
            throw new ImageDecodeException(name, $"{info.Width}x{info.Height} is over the {MaxPixels / 1_000_000} megapixel limit");

        var size = new SKSizeI(info.Width, info.Height);
        if (minSide > 0 && codec.EncodedFormat == SKEncodedImageFormat.Jpeg)
        {
            // libjpeg scales by n/8: take the smallest that keeps the shorter side at least minSide.
            for (int n = 1; n < 8; n++)
            {
                var scaled = codec.GetScaledDimensions(n / 8f);
                if (Math.Min(scaled.Width, scaled.Height) >= minSide) { size = scaled; break; }
            }
        }
        var target = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(target);
        var result = codec.GetPixels(target, bitmap.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
            throw new ImageDecodeException(name, $"decode failed ({result})");
        if (result == SKCodecResult.IncompleteInput)
            throw new ImageDecodeException(name, "truncated image data");
        return Orient(ToRgb(bitmap), codec.EncodedOrigin);
    }

    static RgbImage ToRgb(SKBitmap bitmap)
    {
        int w = bitmap.Width, h = bitmap.Height;
        var rgba = bitmap.GetPixelSpan();
        var rgb = new byte[w * h * 3];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgb[i] = rgba[j]; rgb[i + 1] = rgba[j + 1]; rgb[i + 2] = rgba[j + 2];
        }
        return new RgbImage(w, h, rgb);
    }

    /// <summary>Applies an EXIF origin so that the result is upright.</summary>
    public static RgbImage Orient(RgbImage img, SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft or SKEncodedOrigin.Default) return img;
        bool swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        int w = img.Width, h = img.Height, ow = swap ? h : w, oh = swap ? w : h;
        var dst = new byte[img.Pixels.Length];
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++)
            {
                // (sx, sy): the stored pixel that shows at displayed (x, y).
                (int sx, int sy) = origin switch
                {
                    SKEncodedOrigin.TopRight => (w - 1 - x, y),
                    SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y),
                    SKEncodedOrigin.BottomLeft => (x, h - 1 - y),
                    SKEncodedOrigin.LeftTop => (y, x),
                    SKEncodedOrigin.RightTop => (y, h - 1 - x),
                    SKEncodedOrigin.RightBottom => (w - 1 - y, h - 1 - x),
                    SKEncodedOrigin.LeftBottom => (w - 1 - y, x),
                    _ => (x, y),
                };
                Buffer.BlockCopy(img.Pixels, (sy * w + sx) * 3, dst, (y * ow + x) * 3, 3);
            }
        return new RgbImage(ow, oh, dst);
    }
}
