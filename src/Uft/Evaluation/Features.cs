using TorchSharp;
using Uft.Data;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Uft.Evaluation;

/// <summary>Feature extraction for evaluation: the backbone's pooled output, L2-normalised, in eval mode without
/// gradients, one deterministic (evaluation) transform per image.</summary>
public static class Features
{
    /// <returns>Features (N, D) float32, L2-normalised rows, and the items' labels.</returns>
    public static (Tensor Features, int[] Labels) Extract(Module<Tensor, Tensor> backbone, IReadOnlyList<ImageItem> items, IViewTransform transform,
        int batchSize = 64, IProgress<EvalProgress>? progress = null, CancellationToken ct = default)
    {
        if (items.Count == 0) throw UftException.Usage("evaluation: no images to extract features from");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), "batch size must be at least 1");
        bool wasTraining = backbone.training;
        var device = backbone.parameters().FirstOrDefault()?.device ?? CPU;
        backbone.eval();
        try
        {
            // Decoding runs on the loader's workers, ahead of the forward passes; JPEGs decode at a reduced scale that
            // still covers what the transform resizes to (never below the view size: 0 there means full size).
            // Order is kept and nothing is dropped, so row i is items[i].
            var loader = new Loader(items, [transform], new LoaderOptions(batchSize, Shuffle: false, DropLast: false, DecodeMinSide: DecodeSide(transform)));
            var chunks = new List<Tensor>();
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            int done = 0;
            foreach (var batch in loader.Epoch(0, ct))
            {
                using var step = NewDisposeScope();
                // Batches go to the backbone's device, features come back to the CPU for the metrics.
                using (batch) chunks.Add(functional.normalize(backbone.call(batch.Views[0].to(device)), dim: 1).cpu().MoveToOuterDisposeScope());
                done += batch.Count;
                progress?.Report(new EvalProgress("features", done, items.Count));
            }
            // The loader would stand in the next good image for one it cannot decode; features must keep one row per item.
            if (loader.Skipped.FirstOrDefault() is { } bad) throw UftException.Usage($"{bad.Path}: {bad.Reason}; remove or fix it (uft data check lists all such files)");
            var features = cat(chunks, 0).MoveToOuterDisposeScope();
            return (features, items.Select(i => i.Label).ToArray());
        }
        finally
        {
            backbone.train(wasTraining);
        }
    }

    /// <summary>The shorter side to decode at for <paramref name="transform"/>: what it asks for, 0 (full size) when it asks for nothing.</summary>
    internal static int DecodeSide(IViewTransform transform) => transform.DecodeMinSide > 0 ? Math.Max(transform.DecodeMinSide, transform.Size) : 0;
}
