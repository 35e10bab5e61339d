using Uft.Data;
using static TorchSharp.torch;

namespace Uft.Evaluation;

/// <summary>Decodes and transforms a batch of images in parallel into one (B, 3, S, S) tensor.
/// Image i draws its random choices from <c>new Random(seeds[i])</c>, so a batch is reproducible.</summary>
static class BatchBuilder
{
    public static Tensor Build(IReadOnlyList<ImageItem> items, IViewTransform transform, int[] seeds) =>
        Build(Decode(items, transform), transform, seeds);

    public static Tensor Build(IReadOnlyList<RgbImage> images, IViewTransform transform, int[] seeds)
    {
        int size = transform.Size, plane = 3 * size * size;
        var buffer = new float[images.Count * plane];
        Parallel.For(0, images.Count, i => transform.Apply(images[i], new Random(seeds[i]), buffer.AsSpan(i * plane, plane)));
        return tensor(buffer, [images.Count, 3, size, size]);
    }

    /// <summary>Decodes in parallel at the size <paramref name="transform"/> needs (<see cref="IViewTransform.DecodeMinSide"/>):
    /// JPEGs at a reduced scale that still covers its resize, full size for random crops.</summary>
    public static RgbImage[] Decode(IReadOnlyList<ImageItem> items, IViewTransform transform)
    {
        int minSide = Features.DecodeSide(transform);
        var images = new RgbImage[items.Count];
        Parallel.For(0, items.Count, i => images[i] = ImageDecoder.Decode(items[i].Path, minSide));
        return images;
    }
}
