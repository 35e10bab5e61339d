using System.Text;
using SkiaSharp;
using Uft.Data;

namespace Uft.Reporting;

/// <summary>
/// Small square JPEG thumbnails for the report, each image embedded once as a CSS class however often it is shown
/// (the same train image is often a neighbour in several runs). Decoded by <see cref="ImageDecoder"/>, so EXIF
/// orientation is honoured as in training, then centre-cropped to a square, as the evaluation transform crops.
/// </summary>
sealed class ThumbnailSheet(int size = 60, int quality = 80)
{
    readonly Dictionary<string, string?> classes = new(StringComparer.Ordinal);
    readonly StringBuilder css = new();

    public int Size => size;
    /// <summary>Images that could not be read (moved, deleted, undecodable); they show as an empty box.</summary>
    public int Missing { get; private set; }

    /// <summary>The CSS class that shows the image at <paramref name="path"/>, or null when it cannot be read.</summary>
    public string? ClassOf(string path)
    {
        if (classes.TryGetValue(path, out var known)) return known;
        string? name = null;
        if (Jpeg(path, size, quality) is { } jpeg)
        {
            name = $"t{classes.Count}";
            css.Append($".{name}{{background-image:url(data:image/jpeg;base64,{Convert.ToBase64String(jpeg)})}}\n");
        }
        else Missing++;
        classes[path] = name;
        return name;
    }

    /// <summary>The rules for every thumbnail handed out so far, and the boxes' size (shown at 1:1, so they stay sharp).</summary>
    public string Css() => $".th{{width:{size}px;height:{size}px}}.gallery figure{{width:{size}px}}\n" + css;

    /// <summary>A size x size centre crop of the image as JPEG, or null when the file cannot be read or decoded.</summary>
    public static byte[]? Jpeg(string path, int size, int quality)
    {
        RgbImage image;
        try { image = ImageDecoder.Decode(path, minSide: size); }
        catch (ImageDecodeException) { return null; }
        var rgba = new byte[image.Width * image.Height * 4];
        for (int i = 0, j = 0; j < rgba.Length; i += 3, j += 4)
        {
            rgba[j] = image.Pixels[i]; rgba[j + 1] = image.Pixels[i + 1]; rgba[j + 2] = image.Pixels[i + 2]; rgba[j + 3] = 255;
        }
        using var full = SKImage.FromPixelCopy(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque), rgba);
        int side = Math.Min(image.Width, image.Height);
        var crop = SKRect.Create((image.Width - side) / 2f, (image.Height - side) / 2f, side, side);
        using var surface = SKSurface.Create(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque));
        // Mipmaps keep a large downscale free of aliasing; JPEG decoding at a reduced scale did most of it already.
        surface.Canvas.DrawImage(full, crop, SKRect.Create(size, size), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        using var snapshot = surface.Snapshot();
        using var data = snapshot.Encode(SKEncodedImageFormat.Jpeg, quality);
        return data.ToArray();
    }
}
