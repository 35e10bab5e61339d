using System.Buffers;

namespace Uft.Data.Augmentations;

/// <summary>torchvision's <c>gaussian_blur</c>: a separable Gaussian kernel over reflect-padded borders.</summary>
public static class Blur
{
    /// <summary>The 1-D kernel: <c>exp(-x²/2σ²)</c> at x = -(k-1)/2 .. (k-1)/2, normalised to sum 1.</summary>
    public static float[] GaussianKernel(int kernelSize, double sigma)
    {
        if (kernelSize <= 0 || kernelSize % 2 == 0) throw new ArgumentOutOfRangeException(nameof(kernelSize), $"kernel size {kernelSize} must be odd and positive");
        if (!(sigma > 0)) throw new ArgumentOutOfRangeException(nameof(sigma), $"sigma {sigma} must be > 0");
        var k = new double[kernelSize];
        double half = (kernelSize - 1) * 0.5, sum = 0;
        for (int i = 0; i < kernelSize; i++)
        {
            double x = -half + i;
            k[i] = Math.Exp(-0.5 * (x / sigma) * (x / sigma));
            sum += k[i];
        }
        return k.Select(v => (float)(v / sum)).ToArray();
    }

    public static FloatImage Gaussian(FloatImage src, int kernelSize, double sigma)
    {
        var k = GaussianKernel(kernelSize, sigma);
        int half = kernelSize / 2, w = src.Width, h = src.Height;
        // Scratch from the pool: images over 85 kB would otherwise land on the large object heap on every call.
        var tmp = ArrayPool<float>.Shared.Rent(src.Data.Length);
        Array.Clear(tmp, 0, src.Data.Length);
        var dst = new FloatImage(w, h);
        var padded = new float[w + 2 * half];
        var yIdx = new int[h + 2 * half];
        for (int i = 0; i < yIdx.Length; i++) yIdx[i] = Crop.Reflect(i - half, h);
        for (int c = 0; c < 3; c++)
        {
            int plane = c * h * w;
            // Rows: reflect-pad one row, then accumulate shifted copies of it (vectorised).
            for (int y = 0; y < h; y++)
            {
                var row = src.Data.AsSpan(plane + y * w, w);
                for (int i = 0; i < padded.Length; i++) padded[i] = row[Crop.Reflect(i - half, w)];
                var output = tmp.AsSpan(plane + y * w, w);
                for (int j = 0; j < kernelSize; j++) RowMath.AddScaled(k[j], padded.AsSpan(j, w), output);
            }
            // Columns: each output row is a weighted sum of (reflected) rows.
            for (int y = 0; y < h; y++)
            {
                var output = dst.Data.AsSpan(plane + y * w, w);
                for (int j = 0; j < kernelSize; j++) RowMath.AddScaled(k[j], tmp.AsSpan(plane + yIdx[y + j] * w, w), output);
            }
        }
        ArrayPool<float>.Shared.Return(tmp);
        return dst;
    }
}
