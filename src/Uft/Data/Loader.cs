using System.Collections.Concurrent;
using Uft.Data.Augmentations;
using static TorchSharp.torch;

namespace Uft.Data;

/// <summary>
/// Turns a list of images into batches of augmented views. Decoding and augmentation run on worker threads, at most
/// <see cref="LoaderOptions.EffectivePrefetch"/> batches ahead of the consumer. Results do not depend on thread
/// timing: the epoch order comes from (seed, epoch) and each item's random draws from (seed, epoch, index).
/// A file that fails to decode is listed in <see cref="Skipped"/> once and replaced by the next good item in the
/// epoch order, so every batch keeps its size. Tensors are made on the consuming thread only.
/// </summary>
public sealed class Loader
{
    readonly IReadOnlyList<ImageItem> _items;
    readonly IViewTransform[] _views;
    readonly ConcurrentQueue<SkippedFile> _skipped = new();
    readonly ConcurrentDictionary<int, byte> _bad = new();
    readonly ConcurrentDictionary<int, RgbImage> _cache = new();
    // Full batches' float buffers, reused: a new 3-20 MB buffer per view and batch kept the garbage collector busy
    // (a gen-2 collection every second batch at 112 px), and collections are what expose TorchSharp's temporaries
    // (see HeldScalar).
    readonly ConcurrentDictionary<int, ConcurrentBag<float[]>> _buffers = new();
    long _cachedBytes;

    public LoaderOptions Options { get; }
    public IReadOnlyList<IViewTransform> Views => _views;
    public int Count => _items.Count;
    public int BatchesPerEpoch { get; }
    /// <summary>Files that failed to decode so far, each listed once.</summary>
    public IReadOnlyList<SkippedFile> Skipped => _skipped.ToArray();
    public long CachedBytes => Interlocked.Read(ref _cachedBytes);
    public int CachedImages => _cache.Count;

    public Loader(IReadOnlyList<ImageItem> items, IReadOnlyList<IViewTransform> views, LoaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(views);
        options.Validate();
        if (items.Count == 0) throw UftException.Usage("loader: no images to load; check the folder");
        if (views.Count == 0) throw new ArgumentException("a loader needs at least one view transform", nameof(views));
        if (options.DropLast && items.Count < options.BatchSize)
            throw UftException.Usage($"batch-size: {options.BatchSize} is more than the {items.Count} images with drop-last; give a smaller batch");
        _items = items; _views = [.. views]; Options = options;
        BatchesPerEpoch = options.DropLast ? items.Count / options.BatchSize : (items.Count + options.BatchSize - 1) / options.BatchSize;
    }

    /// <summary>The item order of an epoch: a Fisher-Yates shuffle seeded by (seed, epoch), or 0..n-1 without shuffling.</summary>
    public int[] Order(int epoch)
    {
        var order = new int[_items.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        if (Options.Shuffle) new Random(Seed(Options.Seed, epoch, -1, 0)).Shuffle(order);
        return order;
    }

    /// <summary>The batches of one epoch, in order, from <paramref name="startBatch"/> on (a resumed epoch skips the batches
    /// it already trained on without decoding them). Stopping the enumeration early or cancelling stops the workers.</summary>
    public IEnumerable<Batch> Epoch(int epoch, CancellationToken ct = default, int startBatch = 0)
    {
        if (startBatch < 0 || startBatch > BatchesPerEpoch) throw new ArgumentOutOfRangeException(nameof(startBatch));
        var order = Order(epoch);
        int batches = BatchesPerEpoch;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // A slot is dropped once consumed: holding every finished batch's buffers to the end of the epoch made memory
        // grow with the data set (1.5 MB a batch at 32 px).
        var done = new TaskCompletionSource<Filled>?[batches];
        for (int b = 0; b < batches; b++) done[b] = new TaskCompletionSource<Filled>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var slots = new SemaphoreSlim(Options.EffectivePrefetch);
        int next = startBatch - 1;
        var workers = Enumerable.Range(0, Math.Min(Options.EffectiveWorkers, batches - startBatch)).Select(_ => Task.Factory.StartNew(() =>
        {
            while (true)
            {
                slots.Wait(cts.Token);
                int b = Interlocked.Increment(ref next);
                if (b >= batches) return;
                // A failure goes to the consumer through the batch it belongs to.
                var slot = done[b]!;
                try { slot.SetResult(Fill(order, epoch, b, cts.Token)); }
                catch (Exception e) { slot.SetException(e); return; }
            }
        }, cts.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        try
        {
            for (int b = startBatch; b < batches; b++)
            {
                var task = done[b]!.Task;
                if (!task.IsCompleted) WaitHandle.WaitAny([((IAsyncResult)task).AsyncWaitHandle, cts.Token.WaitHandle]);
                cts.Token.ThrowIfCancellationRequested();
                var filled = task.GetAwaiter().GetResult();
                done[b] = null;
                var batch = filled.ToBatch(_views);
                foreach (var buffer in filled.Buffers) Return(buffer);
                slots.Release();
                yield return batch;
            }
        }
        finally
        {
            cts.Cancel();
            // Workers end within one image once cancelled; wait so that none outlives the enumeration.
            try { Task.WaitAll(workers); }
            catch (AggregateException e) when (e.InnerExceptions.All(x => x is OperationCanceledException)) { }
        }
    }

    // One batch's float buffers (one per view) and row metadata, filled on a worker thread.
    sealed record Filled(float[][] Buffers, int[] Labels, int[] Sources, int[] Indices)
    {
        public Batch ToBatch(IViewTransform[] views)
        {
            int n = Indices.Length;
            var tensors = new Tensor[views.Length];
            for (int v = 0; v < views.Length; v++)
            {
                // Copied straight into native memory: tensor(float[]) makes a managed copy of the array first.
                tensors[v] = empty([n, 3, views[v].Size, views[v].Size]);
                tensors[v].data<float>().CopyFrom(Buffers[v]);
            }
            return new Batch(tensors, Labels, Sources, Indices);
        }
    }

    // Every element of a buffer is written by Fill, so a reused one needs no clearing.
    float[] Rent(int length) => _buffers.TryGetValue(length, out var bag) && bag.TryTake(out var buffer) ? buffer : new float[length];

    void Return(float[] buffer)
    {
        var bag = _buffers.GetOrAdd(buffer.Length, _ => []);
        if (bag.Count < 2 * Options.EffectivePrefetch) bag.Add(buffer);
    }

    Filled Fill(int[] order, int epoch, int b, CancellationToken ct)
    {
        int start = b * Options.BatchSize;
        int n = Math.Min(Options.BatchSize, order.Length - start);
        var buffers = _views.Select(v => Rent(n * 3 * v.Size * v.Size)).ToArray();
        var labels = new int[n];
        var sources = new int[n];
        var indices = new int[n];
        for (int s = 0; s < n; s++)
        {
            ct.ThrowIfCancellationRequested();
            var (index, step, image) = NextGood(order, start + s);
            var item = _items[index];
            labels[s] = item.Label; sources[s] = item.Source; indices[s] = index;
            var rng = new Random(Seed(Options.Seed, epoch, index, step));
            for (int v = 0; v < _views.Length; v++)
            {
                int len = 3 * _views[v].Size * _views[v].Size;
                _views[v].Apply(image, rng, buffers[v].AsSpan(s * len, len));
            }
        }
        return new Filled(buffers, labels, sources, indices);
    }

    // The item at this position of the epoch order, or the first decodable one after it (wrapping around).
    (int Index, int Step, RgbImage Image) NextGood(int[] order, int position)
    {
        for (int step = 0; step < order.Length; step++)
        {
            int index = order[(position + step) % order.Length];
            var image = TryLoad(index);
            if (image is not null) return (index, step, image);
        }
        throw new UftException($"none of the {order.Length} images could be decoded; first: {Skipped.FirstOrDefault()?.Path} ({Skipped.FirstOrDefault()?.Reason})");
    }

    RgbImage? TryLoad(int index)
    {
        if (_cache.TryGetValue(index, out var cached)) return cached;
        if (_bad.ContainsKey(index)) return null;
        RgbImage image;
        try { image = ImageDecoder.Decode(_items[index].Path, Options.DecodeMinSide); }
        catch (ImageDecodeException e)
        {
            if (_bad.TryAdd(index, 0)) _skipped.Enqueue(new SkippedFile(_items[index].Path, e.Reason));
            return null;
        }
        if (Options.CacheBytes > 0)
        {
            long size = image.Pixels.Length;
            if (Interlocked.Add(ref _cachedBytes, size) <= Options.CacheBytes && _cache.TryAdd(index, image)) return image;
            Interlocked.Add(ref _cachedBytes, -size);
        }
        return image;
    }

    /// <summary>A 32-bit seed mixing (seed, epoch, index, step) with SplitMix64, so nearby inputs give unrelated streams.</summary>
    public static int Seed(int seed, int epoch, int index, int step)
    {
        ulong h = (ulong)(uint)seed;
        foreach (long part in new long[] { epoch, index, step })
        {
            h = (h ^ (ulong)part) + 0x9E3779B97F4A7C15UL;
            h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9UL;
            h = (h ^ (h >> 27)) * 0x94D049BB133111EBUL;
            h ^= h >> 31;
        }
        return (int)(h ^ (h >> 32));
    }
}
