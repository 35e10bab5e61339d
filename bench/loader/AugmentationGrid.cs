using SkiaSharp;
using Uft.Data;
using Uft.Data.Augmentations;
using Uft.Models;

/// <summary>Draws query/key view pairs of MoCo v2 aug-plus for the docs (docs/img/augmentations.png).</summary>
static class AugmentationGrid
{
    public static void Render(string folder, string output, int size = 112, int pairs = 16, int columns = 4, int seed = 0)
    {
        var items = ImageFolder.Labeled(folder).Items;
        var aug = new MoCoV2Augmentation(size, InputNorm.ImageNet);
        const int gap = 6, label = 18;
        int pairWidth = 3 * size + 2 * gap; // original (fitted), query, key
        int width = columns * pairWidth + (columns + 1) * 3 * gap;
        int rows = (pairs + columns - 1) / columns;
        int height = rows * (size + label + gap) + gap;
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var font = new SKFont { Size = 12 };
        var rng = new Random(seed);
        for (int p = 0; p < pairs; p++)
        {
            var item = items[rng.Next(items.Count)];
            var image = ImageDecoder.Decode(item.Path);
            int x0 = 3 * gap + (p % columns) * (pairWidth + 3 * gap), y0 = gap + (p / columns) * (size + label + gap);
            var original = new EvalTransform(size, InputNorm.ImageNet, 1.0).Run(image, rng);
            var viewRng = new Random(Loader.Seed(seed, 0, p, 0));
            var query = aug.Run(image, viewRng);
            var key = aug.Run(image, viewRng);
            Draw(canvas, original, x0, y0);
            Draw(canvas, query, x0 + size + gap, y0);
            Draw(canvas, key, x0 + 2 * (size + gap), y0);
            canvas.DrawText(Path.GetFileName(Path.GetDirectoryName(item.Path)) + ": image, query, key", x0, y0 + size + 13, SKTextAlign.Left, font, paint);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        using var png = surface.Snapshot().Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(output, png.ToArray());
    }

    static void Draw(SKCanvas canvas, FloatImage img, int x, int y)
    {
        var rgb = img.ToRgb();
        using var bitmap = new SKBitmap(new SKImageInfo(img.Width, img.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var rgba = new byte[4 * img.Width * img.Height];
        for (int i = 0; i < img.Width * img.Height; i++)
        {
            rgba[4 * i] = rgb.Pixels[3 * i];
            rgba[4 * i + 1] = rgb.Pixels[3 * i + 1];
            rgba[4 * i + 2] = rgb.Pixels[3 * i + 2];
            rgba[4 * i + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        canvas.DrawBitmap(bitmap, x, y);
    }
}
