namespace Uft.Data.Augmentations;

/// <summary>Crops, padding and flips on <see cref="FloatImage"/>, as torchvision's functional ops.</summary>
public static class Crop
{
    /// <summary>The box (top, left, height, width), which must lie inside the image.</summary>
    public static FloatImage Box(FloatImage src, int top, int left, int height, int width)
    {
        if (top < 0 || left < 0 || height <= 0 || width <= 0 || top + height > src.Height || left + width > src.Width)
            throw new ArgumentOutOfRangeException(nameof(top), $"crop box (top {top}, left {left}, {height}x{width}) is not inside the {src.Height}x{src.Width} image");
        if (top == 0 && left == 0 && height == src.Height && width == src.Width) return src;
        var dst = new FloatImage(width, height);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < height; y++)
                Array.Copy(src.Data, (c * src.Height + top + y) * src.Width + left, dst.Data, (c * height + y) * width, width);
        return dst;
    }

    /// <summary>torchvision's <c>center_crop</c> offsets: <c>int(round((H - h) / 2))</c>, rounding half to even like Python.</summary>
    public static FloatImage Center(FloatImage src, int height, int width)
    {
        int top = (int)Math.Round((src.Height - height) / 2.0, MidpointRounding.ToEven);
        int left = (int)Math.Round((src.Width - width) / 2.0, MidpointRounding.ToEven);
        return Box(src, top, left, height, width);
    }

    /// <summary>Pads every side by <paramref name="pad"/> pixels mirroring without repeating the edge (PyTorch's "reflect").</summary>
    public static FloatImage ReflectPad(FloatImage src, int pad)
    {
        if (pad < 0) throw new ArgumentOutOfRangeException(nameof(pad), $"padding {pad} must be >= 0");
        int w = src.Width + 2 * pad, h = src.Height + 2 * pad;
        var dst = new FloatImage(w, h);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
            {
                int sy = Reflect(y - pad, src.Height);
                for (int x = 0; x < w; x++)
                    dst.Data[(c * h + y) * w + x] = src.Data[(c * src.Height + sy) * src.Width + Reflect(x - pad, src.Width)];
            }
        return dst;
    }

    /// <summary>Mirrors an index into [0, n) without repeating the edge sample: -1 maps to 1, n to n - 2.</summary>
    public static int Reflect(int i, int n)
    {
        if (n == 1) return 0;
        int period = 2 * (n - 1);
        i %= period;
        if (i < 0) i += period;
        return i < n ? i : period - i;
    }

    /// <summary>Mirrors left-right in place.</summary>
    public static void HorizontalFlip(FloatImage img)
    {
        for (int row = 0; row < 3 * img.Height; row++)
            img.Data.AsSpan(row * img.Width, img.Width).Reverse();
    }
}
