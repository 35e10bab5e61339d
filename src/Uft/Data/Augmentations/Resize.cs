using System.Buffers;

namespace Uft.Data.Augmentations;

/// <summary>
/// Bilinear resizing as torchvision's tensor <c>resize(..., antialias=True)</c>, i.e. PyTorch's
/// <c>_upsample_bilinear2d_aa</c>: a triangle filter whose support widens by the scale factor when downscaling
/// (so every source pixel contributes, like PIL), and plain half-pixel-centred bilinear when upscaling.
/// </summary>
public static class Resize
{
    /// <summary>Crops the box (top, left, height, width), which must lie inside the image, and resizes it to outHeight x outWidth.</summary>
    public static FloatImage ResizedCrop(FloatImage src, int top, int left, int height, int width, int outHeight, int outWidth)
    {
        CheckBox(src.Height, src.Width, top, left, height, width, outHeight, outWidth);
        var (xStart, xCount, xWeights, xMax) = Weights(width, outWidth);
        // Horizontal pass over the rows of the box, then vertical pass.
        // Scratch from the pool: images over 85 kB would otherwise land on the large object heap on every call.
        var tmp = ArrayPool<float>.Shared.Rent(3 * height * outWidth);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < height; y++)
            {
                int srcRow = (c * src.Height + top + y) * src.Width + left;
                int dstRow = (c * height + y) * outWidth;
                for (int ox = 0; ox < outWidth; ox++)
                {
                    float sum = 0;
                    int s = srcRow + xStart[ox];
                    for (int k = 0; k < xCount[ox]; k++) sum += src.Data[s + k] * xWeights[ox * xMax + k];
                    tmp[dstRow + ox] = sum;
                }
            }
        return Vertical(tmp, height, outHeight, outWidth);
    }

    /// <summary>The same from 8-bit pixels scaled to [0, 1]: reads only the box, so the whole image is never converted to floats.</summary>
    public static FloatImage ResizedCrop(RgbImage src, int top, int left, int height, int width, int outHeight, int outWidth)
    {
        CheckBox(src.Height, src.Width, top, left, height, width, outHeight, outWidth);
        var (xStart, xCount, xWeights, xMax) = Weights(width, outWidth);
        var tmp = ArrayPool<float>.Shared.Rent(3 * height * outWidth);
        const float scale = 1f / 255f;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < height; y++)
            {
                int srcRow = ((top + y) * src.Width + left) * 3 + c;
                int dstRow = (c * height + y) * outWidth;
                for (int ox = 0; ox < outWidth; ox++)
                {
                    float sum = 0;
                    int s = srcRow + 3 * xStart[ox];
                    for (int k = 0; k < xCount[ox]; k++) sum += src.Pixels[s + 3 * k] * scale * xWeights[ox * xMax + k];
                    tmp[dstRow + ox] = sum;
                }
            }
        return Vertical(tmp, height, outHeight, outWidth);
    }

    static void CheckBox(int imageHeight, int imageWidth, int top, int left, int height, int width, int outHeight, int outWidth)
    {
        if (top < 0 || left < 0 || height <= 0 || width <= 0 || top + height > imageHeight || left + width > imageWidth)
            throw new ArgumentOutOfRangeException(nameof(top), $"crop box (top {top}, left {left}, {height}x{width}) is not inside the {imageHeight}x{imageWidth} image");
        if (outHeight <= 0 || outWidth <= 0) throw new ArgumentOutOfRangeException(nameof(outHeight), $"output size {outHeight}x{outWidth} must be positive");
    }

    // The vertical pass over the horizontally resized rows in tmp (3 x height x outWidth, from the pool; returned here).
    static FloatImage Vertical(float[] tmp, int height, int outHeight, int outWidth)
    {
        var (yStart, yCount, yWeights, yMax) = Weights(height, outHeight);
        var dst = new FloatImage(outWidth, outHeight);
        for (int c = 0; c < 3; c++)
            for (int oy = 0; oy < outHeight; oy++)
            {
                var output = dst.Data.AsSpan((c * outHeight + oy) * outWidth, outWidth);
                for (int k = 0; k < yCount[oy]; k++)
                    RowMath.AddScaled(yWeights[oy * yMax + k], tmp.AsSpan((c * height + yStart[oy] + k) * outWidth, outWidth), output);
            }
        ArrayPool<float>.Shared.Return(tmp);
        return dst;
    }

    /// <summary>Resizes the whole image.</summary>
    public static FloatImage To(FloatImage src, int outHeight, int outWidth) =>
        outHeight == src.Height && outWidth == src.Width ? src : ResizedCrop(src, 0, 0, src.Height, src.Width, outHeight, outWidth);

    /// <summary>torchvision's <c>Resize(int)</c> output size: the shorter side becomes <paramref name="size"/>,
    /// the longer one <c>int(size * long / short)</c> (truncated, as torchvision does).</summary>
    public static (int Height, int Width) ShorterSideSize(int height, int width, int size)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), $"resize target {size} must be positive");
        return height <= width ? (size, (int)((long)size * width / height)) : ((int)((long)size * height / width), size);
    }

    // PyTorch's _compute_indices_min_size_weights_aa with the bilinear (triangle) filter: for each output index,
    // the first source index, the number of taps and the normalised weights (row stride = max taps).
    static (int[] Start, int[] Count, float[] Weights, int MaxTaps) Weights(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double support = scale >= 1 ? scale : 1.0;
        double invScale = scale >= 1 ? 1 / scale : 1.0;
        int maxTaps = (int)Math.Ceiling(support) * 2 + 1;
        var start = new int[outSize];
        var count = new int[outSize];
        var weights = new float[outSize * maxTaps];
        for (int i = 0; i < outSize; i++)
        {
            double center = scale * (i + 0.5);
            int min = Math.Max((int)(center - support + 0.5), 0);
            int n = Math.Min((int)(center + support + 0.5), inSize) - min;
            double total = 0;
            var w = new double[n];
            for (int j = 0; j < n; j++)
            {
                double t = Math.Abs((j + min - center + 0.5) * invScale);
                w[j] = t < 1 ? 1 - t : 0;
                total += w[j];
            }
            start[i] = min; count[i] = n;
            for (int j = 0; j < n; j++) weights[i * maxTaps + j] = (float)(total != 0 ? w[j] / total : 0);
        }
        return (start, count, weights, maxTaps);
    }
}
