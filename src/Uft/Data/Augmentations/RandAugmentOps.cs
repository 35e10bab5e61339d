namespace Uft.Data.Augmentations;

/// <summary>
/// The image operations of FixMatch's RandAugment (Sohn et al. 2020, table 12), on [0, 1] float images, in place
/// where possible. Ops defined on 8-bit levels (posterize, equalize) quantise to 0..255 first, as PIL does.
/// Geometric ops map about the image centre with nearest-neighbour sampling and mid-gray fill, as PIL's affine.
/// </summary>
public static class RandAugmentOps
{
    public const float Fill = 0.5f;

    /// <summary>Stretches each channel so its minimum becomes 0 and its maximum 1 (PIL's autocontrast, cutoff 0).</summary>
    public static void AutoContrast(FloatImage img)
    {
        for (int c = 0; c < 3; c++)
        {
            var ch = img.Channel(c);
            float min = float.MaxValue, max = float.MinValue;
            foreach (float v in ch) { min = MathF.Min(min, v); max = MathF.Max(max, v); }
            if (max <= min) continue;
            float scale = 1f / (max - min);
            for (int i = 0; i < ch.Length; i++) ch[i] = (ch[i] - min) * scale;
        }
    }

    /// <summary>PIL's equalize per channel on 8-bit levels: a lookup table from the cumulative histogram.</summary>
    public static void Equalize(FloatImage img)
    {
        Span<int> hist = stackalloc int[256];
        Span<float> lut = stackalloc float[256];
        for (int c = 0; c < 3; c++)
        {
            var ch = img.Channel(c);
            hist.Clear();
            foreach (float v in ch) hist[Level(v)]++;
            int last = 255;
            while (hist[last] == 0) last--;
            int step = (ch.Length - hist[last]) / 255;
            if (step == 0) continue;
            int n = step / 2;
            for (int i = 0; i < 256; i++)
            {
                lut[i] = Math.Min(255, n / step) / 255f;
                n += hist[i];
            }
            for (int i = 0; i < ch.Length; i++) ch[i] = lut[Level(ch[i])];
        }
    }

    /// <summary>Keeps the top <paramref name="bits"/> bits of each 8-bit level.</summary>
    public static void Posterize(FloatImage img, int bits)
    {
        if (bits is < 1 or > 8) throw new ArgumentOutOfRangeException(nameof(bits), $"posterize bits {bits} must be in 1..8");
        int mask = ~((1 << (8 - bits)) - 1) & 0xFF;
        var d = img.Data;
        for (int i = 0; i < d.Length; i++) d[i] = (Level(d[i]) & mask) / 255f;
    }

    /// <summary>Inverts every value at or above <paramref name="threshold"/>.</summary>
    public static void Solarize(FloatImage img, float threshold)
    {
        var d = img.Data;
        for (int i = 0; i < d.Length; i++) if (d[i] >= threshold) d[i] = 1f - d[i];
    }

    /// <summary>Blends with the image smoothed by PIL's SMOOTH kernel [[1,1,1],[1,5,1],[1,1,1]]/13; borders are kept, as PIL does.</summary>
    public static void Sharpness(FloatImage img, float factor)
    {
        int w = img.Width, h = img.Height;
        if (w < 3 || h < 3) return;
        var src = (float[])img.Data.Clone();
        for (int c = 0; c < 3; c++)
            for (int y = 1; y < h - 1; y++)
                for (int x = 1; x < w - 1; x++)
                {
                    int i = (c * h + y) * w + x;
                    float s = 4 * src[i];
                    for (int dy = -1; dy <= 1; dy++)
                        for (int dx = -1; dx <= 1; dx++) s += src[i + dy * w + dx];
                    s /= 13f;
                    img.Data[i] = Math.Clamp(factor * src[i] + (1 - factor) * s, 0f, 1f);
                }
    }

    /// <summary>
    /// Inverse affine warp: output pixel (x, y), taken relative to the image centre, reads the source at
    /// (a x + b y + tx, c x + d y + ty) + centre, nearest neighbour; outside reads <see cref="Fill"/>.
    /// </summary>
    public static FloatImage Affine(FloatImage img, double a, double b, double tx, double c, double d, double ty)
    {
        int w = img.Width, h = img.Height;
        var dst = new FloatImage(w, h);
        double cx = (w - 1) * 0.5, cy = (h - 1) * 0.5;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double rx = x - cx, ry = y - cy;
                int sx = (int)Math.Round(a * rx + b * ry + tx + cx), sy = (int)Math.Round(c * rx + d * ry + ty + cy);
                bool inside = sx >= 0 && sx < w && sy >= 0 && sy < h;
                for (int ch = 0; ch < 3; ch++)
                    dst.Data[(ch * h + y) * w + x] = inside ? img.Data[(ch * h + sy) * w + sx] : Fill;
            }
        return dst;
    }

    /// <summary>Rotates counter-clockwise by <paramref name="degrees"/> about the centre.</summary>
    public static FloatImage Rotate(FloatImage img, double degrees)
    {
        double t = degrees * Math.PI / 180, cos = Math.Cos(t), sin = Math.Sin(t);
        // Inverse of a counter-clockwise rotation in image coordinates (y down).
        return Affine(img, cos, -sin, 0, sin, cos, 0);
    }

    public static FloatImage ShearX(FloatImage img, double shear) => Affine(img, 1, shear, 0, 0, 1, 0);
    public static FloatImage ShearY(FloatImage img, double shear) => Affine(img, 1, 0, 0, shear, 1, 0);
    /// <summary>Shifts content right by <paramref name="fraction"/> of the width.</summary>
    public static FloatImage TranslateX(FloatImage img, double fraction) => Affine(img, 1, 0, -fraction * img.Width, 0, 1, 0);
    public static FloatImage TranslateY(FloatImage img, double fraction) => Affine(img, 1, 0, 0, 0, 1, -fraction * img.Height);

    static int Level(float v) => (int)Math.Clamp(MathF.Round(v * 255f), 0f, 255f);
}
