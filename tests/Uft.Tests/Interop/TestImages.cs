using Uft.Data;
using Uft.Models;
using static TorchSharp.torch;

namespace Uft.Tests.Interop;

/// <summary>Real images as the reference protocol takes them: shorter side resized to the size (bilinear,
/// antialiased), centre crop, RGB on 0..255 or normalised with ImageNet mean/std.</summary>
static class TestImages
{
    public static Tensor Rgb255(string path, int size)
    {
        using var scope = NewDisposeScope();
        var img = ImageDecoder.Decode(path);
        var x = tensor(img.Pixels, [img.Height, img.Width, 3]).permute(2, 0, 1).unsqueeze(0).to(float32);
        double s = (double)size / Math.Min(img.Width, img.Height);
        long h = Math.Max(size, (long)Math.Round(img.Height * s)), w = Math.Max(size, (long)Math.Round(img.Width * s));
        x = nn.functional.interpolate(x, [h, w], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        long top = (h - size) / 2, left = (w - size) / 2;
        return x.narrow(2, top, size).narrow(3, left, size).clamp(0, 255).contiguous().MoveToOuterDisposeScope();
    }

    public static Tensor Normalised(Tensor rgb255)
    {
        var n = InputNorm.ImageNet;
        using var mean = tensor(n.Mean).view(1, 3, 1, 1);
        using var std = tensor(n.Std).view(1, 3, 1, 1);
        return rgb255.div(255).sub_(mean).div_(std);
    }

    /// <summary>The first <paramref name="perClass"/> images (by name) of the first <paramref name="classes"/> classes (by name).</summary>
    public static List<(string Path, int Label)> Caltech(string split, int classes, int perClass)
    {
        var root = Path.Combine(Paths.SharedData!, "caltech101", split);
        return [.. Directory.GetDirectories(root).Order(StringComparer.Ordinal).Take(classes)
            .SelectMany((dir, label) => Directory.GetFiles(dir).Order(StringComparer.Ordinal).Take(perClass).Select(f => (f, label)))];
    }
}
