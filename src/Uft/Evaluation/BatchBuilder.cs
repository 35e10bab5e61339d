using Uft.Data;
using static TorchSharp.torch;

namespace Uft.Evaluation;

/// <summary>Decodes and transforms a batch of images in parallel into one (B, 3, S, S) tensor.
/// Item i draws its random choices from <c>new Random(seeds[i])</c>, so a batch is reproducible.</summary>
static class BatchBuilder
{
    public static Tensor Build(IReadOnlyList<ImageItem> items, IViewTransform transform, int[] seeds, Func<ImageItem, RgbImage>? decode = null)
    {
        int size = transform.Size, plane = 3 * size * size;
        var buffer = new float[items.Count * plane];
        decode ??= item => ImageDecoder.Decode(item.Path, size);
        Parallel.For(0, items.Count, i =>
        {
            var image = decode(items[i]);
            transform.Apply(image, new Random(seeds[i]), buffer.AsSpan(i * plane, plane));
        });
        return tensor(buffer, [items.Count, 3, size, size]);
    }
}
