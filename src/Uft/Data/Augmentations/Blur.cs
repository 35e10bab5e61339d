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
        var tmp = new float[src.Data.Length];
        var dst = new FloatImage(w, h);
        var xIdx = new int[w + 2 * half];
        var yIdx = new int[h + 2 * half];
        for (int i = 0; i < xIdx.Length; i++) xIdx[i] = Crop.Reflect(i - half, w);
        for (int i = 0; i < yIdx.Length; i++) yIdx[i] = Crop.Reflect(i - half, h);
        for (int c = 0; c < 3; c++)
        {
            int plane = c * h * w;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    float s = 0;
                    for (int j = 0; j < kernelSize; j++) s += k[j] * src.Data[plane + y * w + xIdx[x + j]];
                    tmp[plane + y * w + x] = s;
                }
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    float s = 0;
                    for (int j = 0; j < kernelSize; j++) s += k[j] * tmp[plane + yIdx[y + j] * w + x];
                    dst.Data[plane + y * w + x] = s;
                }
        }
        return dst;
    }
}
