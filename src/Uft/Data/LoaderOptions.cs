namespace Uft.Data;

/// <summary>
/// How a <see cref="Loader"/> batches and decodes.
/// Workers 0 = one per core; Prefetch 0 = twice the workers (batches being built or waiting, the memory bound).
/// DecodeMinSide &gt; 0 decodes JPEGs at a reduced scale whose shorter side is still at least that (much faster on large
/// photos; pick it at or above the view size divided by the smallest crop scale side, e.g. 2 x size for scale 0.2-1).
/// CacheBytes &gt; 0 keeps decoded images in memory up to that many bytes; images beyond it are read from disk each epoch.
/// </summary>
public sealed record LoaderOptions(
    int BatchSize, int Seed = 0, bool Shuffle = true, bool DropLast = true,
    int Workers = 0, int Prefetch = 0, int DecodeMinSide = 0, long CacheBytes = 0)
{
    public int EffectiveWorkers => Workers > 0 ? Workers : Environment.ProcessorCount;
    public int EffectivePrefetch => Prefetch > 0 ? Prefetch : 2 * EffectiveWorkers;

    public void Validate()
    {
        if (BatchSize < 1) throw UftException.Usage($"batch-size: {BatchSize} must be at least 1");
        if (Workers < 0) throw UftException.Usage($"workers: {Workers} must be >= 0 (0 = one per core)");
        if (Prefetch < 0) throw UftException.Usage($"prefetch: {Prefetch} must be >= 0 (0 = twice the workers)");
        if (DecodeMinSide < 0) throw UftException.Usage($"decode-min-side: {DecodeMinSide} must be >= 0 (0 = full resolution)");
        if (CacheBytes < 0) throw UftException.Usage($"cache-bytes: {CacheBytes} must be >= 0 (0 = no cache)");
    }
}
