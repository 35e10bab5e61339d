using SkiaSharp;
using Uft.Data;

namespace Uft.Tests.Evaluation;

/// <summary>Tiny labelled image sets written to a temp folder: class 0 reddish, class 1 bluish, with pixel noise,
/// so a network separates them trivially; and a nearest-neighbour resize transform with optional flip.</summary>
static class SyntheticImages
{
    public static List<ImageItem> Write(string dir, int perClass, int seed, int size = 32)
    {
        var rng = new Random(seed);
        var items = new List<ImageItem>();
        for (int c = 0; c < 2; c++)
        {
            Directory.CreateDirectory(Path.Combine(dir, c.ToString()));
            for (int i = 0; i < perClass; i++)
            {
                using var bitmap = new SKBitmap(size, size);
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++)
                    {
                        byte hi = (byte)rng.Next(150, 256), lo = (byte)rng.Next(0, 100), mid = (byte)rng.Next(0, 256);
                        bitmap.SetPixel(x, y, c == 0 ? new SKColor(hi, mid, lo) : new SKColor(lo, mid, hi));
                    }
                string path = Path.Combine(dir, c.ToString(), $"{i}.png");
                using (var data = bitmap.Encode(SKEncodedImageFormat.Png, 100))
                    File.WriteAllBytes(path, data.ToArray());
                items.Add(new ImageItem(path, c));
            }
        }
        return items;
    }

    /// <summary>Nearest-neighbour resize to Size x Size, pixels scaled to [-1, 1], a coin-flip mirror when Flip.</summary>
    public sealed class NearestTransform(int size, bool flip = false) : IViewTransform
    {
        public int Size => size;

        public void Apply(RgbImage image, Random rng, Span<float> chw)
        {
            bool mirror = flip && rng.Next(2) == 1;
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    int sx = x * image.Width / size, sy = y * image.Height / size;
                    if (mirror) sx = image.Width - 1 - sx;
                    for (int c = 0; c < 3; c++)
                        chw[c * size * size + y * size + x] = image.Pixels[(sy * image.Width + sx) * 3 + c] / 127.5f - 1;
                }
        }
    }
}
