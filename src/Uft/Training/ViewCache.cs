using System.Diagnostics;
using Uft.Data;
using Uft.Models;
using static TorchSharp.torch;

namespace Uft.Training;

/// <summary>
/// The frozen stages computed once per view instead of three times a step (<c>--cached-views V</c>). The stem and the
/// frozen stages are a fixed function of each augmented view, so for every training image V MoCo v2 views are decoded,
/// augmented and passed through them once, and their feature maps kept in memory (fp16, NHWC). Each step then draws an
/// image's query and key from two different of its V views and trains only what follows the frozen stages on them; the
/// mixed query mixes the query maps (CutMix boxes the map's grid). The views are drawn again every
/// <see cref="Refresh"/> epochs (0: never). Everything follows from (seed, round), so a resumed run rebuilds the same cache.
/// Not the paper's recipe: a step sees V fixed views of an image, not a fresh pair; docs/training.md has its fidelity.
/// </summary>
public sealed class ViewCache : IDisposable
{
    readonly IReadOnlyList<ImageItem> items;
    readonly IViewTransform view;
    readonly int seed, batchSize, workers;
    Tensor? maps;       // (V·N, h, w, C) fp16; row v·N + i is view v of image i
    bool[] good = [];   // images whose views were made (a file that failed to decode has none)
    int round = -1;

    public int Views { get; }
    /// <summary>The frozen stages the maps have passed (<see cref="ResNet.Stages"/>).</summary>
    public int Stages { get; }
    /// <summary>Epochs between new views; 0: the views of the first build serve the whole run.</summary>
    public int Refresh { get; }
    /// <summary>Seconds the last build took.</summary>
    public double BuildSeconds { get; private set; }
    /// <summary>Files that failed to decode in the last build (their images then train on a neighbour's views).</summary>
    public IReadOnlyList<SkippedFile> Skipped { get; private set; } = [];

    public ViewCache(IReadOnlyList<ImageItem> items, IViewTransform view, int views, int stages, int refresh, int seed, int batchSize, int workers)
    {
        if (views < 2) throw new ArgumentOutOfRangeException(nameof(views), views, "a query and a key need at least 2 views");
        if (stages < 1) throw new ArgumentOutOfRangeException(nameof(stages), stages, "the cache holds frozen stages' outputs: at least 1");
        (this.items, this.view, Views, Stages, Refresh, this.seed, this.batchSize, this.workers) = (items, view, views, stages, refresh, seed, batchSize, workers);
    }

    /// <summary>Bytes the maps take for <paramref name="images"/> images of <paramref name="views"/> views, each a map of
    /// <paramref name="elements"/> values (fp16).</summary>
    public static long BytesFor(int images, int views, long elements) => 2L * images * views * elements;

    /// <summary>Values in one view's map at <paramref name="stages"/> for <paramref name="size"/>-px views.</summary>
    public static long ElementsPerView(ResNet backbone, int stages, int size) => MapShape(backbone, stages, size).Aggregate(1L, (a, d) => a * d);

    // One view's map as the cache keeps it, (h, w, C): one forward of a blank image.
    static long[] MapShape(ResNet backbone, int stages, int size)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return backbone.Stages(zeros(1, 3, size, size), stages).permute(0, 2, 3, 1).shape[1..];
    }

    /// <summary>Makes sure the cache holds the views of <paramref name="epoch"/>'s round, building them with the frozen
    /// stages of <paramref name="backbone"/> (which must be in eval mode there) if not; returns whether it built.
    /// Cancelling stops the build and leaves the cache empty.</summary>
    public bool Prepare(int epoch, ResNet backbone, CancellationToken ct)
    {
        int wanted = Refresh == 0 ? 0 : epoch / Refresh;
        if (wanted == round) return false;
        var clock = Stopwatch.StartNew();
        maps?.Dispose();
        maps = null;
        round = -1;
        good = new bool[items.Count];
        // V copies of the view: the loader draws them in turn from each image's one stream, as it draws a query and a key.
        var loader = new Loader(items, Enumerable.Repeat(view, Views).ToArray(),
            new LoaderOptions(batchSize, Seed: Loader.Seed(seed, wanted, -3, 0), Shuffle: false, DropLast: false, Workers: workers));
        int n = items.Count;
        maps = zeros([(long)Views * n, .. MapShape(backbone, Stages, view.Size)], ScalarType.Float16);
        try
        {
            using var _ = no_grad();
            foreach (var batch in loader.Epoch(0, ct))
            {
                using var disposeBatch = batch;
                using var scope = NewDisposeScope();
                for (int v = 0; v < Views; v++)
                {
                    var rows = tensor(batch.Indices.Select(i => (long)v * n + i).ToArray());
                    maps.index_copy_(0, rows, backbone.Stages(batch.Views[v], Stages).permute(0, 2, 3, 1).to(ScalarType.Float16));
                }
                foreach (var i in batch.Indices) good[i] = true;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            maps.Dispose();
            maps = null;
            return true;
        }
        round = wanted;
        Skipped = loader.Skipped;
        BuildSeconds = clock.Elapsed.TotalSeconds;
        return true;
    }

    /// <summary>Bytes the maps take now.</summary>
    public long Bytes => maps is null ? 0 : maps.numel() * 2;

    /// <summary>One epoch's batches, in the loader's <paramref name="order"/>, from <paramref name="startBatch"/> on: for
    /// each image the maps of two different of its views (query, key), drawn from (seed, epoch, batch), in fp32. An image
    /// without views (its file did not decode) is replaced by the next one in the order that has them, as the loader does.</summary>
    public IEnumerable<Batch> Epoch(int epoch, int[] order, int batches, int startBatch)
    {
        if (maps is null) throw new InvalidOperationException("the view cache is not built: call Prepare first");
        int n = items.Count;
        for (int b = startBatch; b < batches; b++)
        {
            var rng = new Random(Loader.Seed(seed, epoch, -2, b));
            var indices = new int[batchSize];
            long[] q = new long[batchSize], k = new long[batchSize];
            for (int s = 0; s < batchSize; s++)
            {
                int position = b * batchSize + s, i = order[position % n];
                for (int step = 1; !good[i] && step < n; step++) i = order[(position + step) % n];
                int vq = rng.Next(Views), vk = rng.Next(Views - 1);
                if (vk >= vq) vk++;
                (indices[s], q[s], k[s]) = (i, (long)vq * n + i, (long)vk * n + i);
            }
            yield return new Batch([Gather(q), Gather(k)], indices.Select(i => items[i].Label).ToArray(), indices.Select(i => items[i].Source).ToArray(), indices);
        }
    }

    // Rows of the maps as (B, C, h, w) fp32 with NHWC strides, the layout the network runs in on the CPU.
    Tensor Gather(long[] rows)
    {
        using var scope = NewDisposeScope();
        using var index = tensor(rows);
        return maps!.index_select(0, index).to(ScalarType.Float32).permute(0, 3, 1, 2).MoveToOuterDisposeScope();
    }

    public void Dispose() => maps?.Dispose();
}
