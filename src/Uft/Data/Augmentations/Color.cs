namespace Uft.Data.Augmentations;

/// <summary>
/// torchvision's colour ops on float images in [0, 1] (<c>torchvision.transforms.functional_tensor</c>), in place.
/// Each adjust_* blends with a reference image and clamps to [0, 1]: brightness with black, contrast with the
/// mean of the grayscale image, saturation with the grayscale image; hue shifts H in HSV.
/// </summary>
public static class Color
{
    /// <summary>ITU-R 601-2 luma weights, as torchvision's rgb_to_grayscale.</summary>
    public const float R = 0.299f, G = 0.587f, B = 0.114f;

    public static void Grayscale(FloatImage img)
    {
        Span<float> r = img.Channel(0), g = img.Channel(1), b = img.Channel(2);
        for (int i = 0; i < r.Length; i++)
        {
            float l = R * r[i] + G * g[i] + B * b[i];
            r[i] = g[i] = b[i] = l;
        }
    }

    public static void AdjustBrightness(FloatImage img, float factor)
    {
        CheckFactor(factor, nameof(factor));
        var d = img.Data;
        for (int i = 0; i < d.Length; i++) d[i] = Math.Clamp(factor * d[i], 0f, 1f);
    }

    public static void AdjustContrast(FloatImage img, float factor)
    {
        CheckFactor(factor, nameof(factor));
        Span<float> r = img.Channel(0), g = img.Channel(1), b = img.Channel(2);
        double sum = 0;
        for (int i = 0; i < r.Length; i++) sum += R * r[i] + G * g[i] + B * b[i];
        float mean = (float)(sum / r.Length);
        var d = img.Data;
        for (int i = 0; i < d.Length; i++) d[i] = Blend(d[i], mean, factor);
    }

    public static void AdjustSaturation(FloatImage img, float factor)
    {
        CheckFactor(factor, nameof(factor));
        Span<float> r = img.Channel(0), g = img.Channel(1), b = img.Channel(2);
        for (int i = 0; i < r.Length; i++)
        {
            float l = R * r[i] + G * g[i] + B * b[i];
            r[i] = Blend(r[i], l, factor); g[i] = Blend(g[i], l, factor); b[i] = Blend(b[i], l, factor);
        }
    }

    /// <summary>Shifts hue by <paramref name="shift"/> turns, in [-0.5, 0.5].</summary>
    public static void AdjustHue(FloatImage img, float shift)
    {
        if (!(shift >= -0.5f && shift <= 0.5f)) throw new ArgumentOutOfRangeException(nameof(shift), $"hue shift {shift} is not in [-0.5, 0.5]");
        Span<float> r = img.Channel(0), g = img.Channel(1), b = img.Channel(2);
        for (int i = 0; i < r.Length; i++)
        {
            var (h, s, v) = RgbToHsv(r[i], g[i], b[i]);
            h = h + shift;
            h -= MathF.Floor(h); // Python-style modulo 1
            (r[i], g[i], b[i]) = HsvToRgb(h, s, v);
        }
    }

    /// <summary>torchvision's _rgb2hsv for one pixel; h in [0, 1).</summary>
    public static (float H, float S, float V) RgbToHsv(float r, float g, float b)
    {
        float max = MathF.Max(r, MathF.Max(g, b)), min = MathF.Min(r, MathF.Min(g, b));
        bool eq = max == min;
        float cr = max - min;
        float s = cr / (eq ? 1f : max);
        float div = eq ? 1f : cr;
        float rc = (max - r) / div, gc = (max - g) / div, bc = (max - b) / div;
        float h = max == r ? bc - gc : max == g ? 2f + rc - bc : 4f + gc - rc;
        h = h / 6f + 1f;
        h -= MathF.Truncate(h); // fmod(h, 1) of a positive number
        return (h, s, max);
    }

    /// <summary>torchvision's _hsv2rgb for one pixel.</summary>
    public static (float R, float G, float B) HsvToRgb(float h, float s, float v)
    {
        float i = MathF.Floor(h * 6f);
        float f = h * 6f - i;
        float p = Math.Clamp(v * (1f - s), 0f, 1f);
        float q = Math.Clamp(v * (1f - s * f), 0f, 1f);
        float t = Math.Clamp(v * (1f - s * (1f - f)), 0f, 1f);
        return (((int)i % 6 + 6) % 6) switch
        {
            0 => (v, t, p),
            1 => (q, v, p),
            2 => (p, v, t),
            3 => (p, q, v),
            4 => (t, p, v),
            _ => (v, p, q),
        };
    }

    static float Blend(float x, float reference, float factor) => Math.Clamp(factor * x + (1f - factor) * reference, 0f, 1f);

    static void CheckFactor(float factor, string name)
    {
        if (!(factor >= 0) || float.IsInfinity(factor)) throw new ArgumentOutOfRangeException(name, $"factor {factor} must be a finite number >= 0");
    }
}
