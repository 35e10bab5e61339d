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
        backbone.eval();
        try
        {
            var chunks = new List<Tensor>();
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            for (int start = 0; start < items.Count; start += batchSize)
            {
                ct.ThrowIfCancellationRequested();
                using var step = NewDisposeScope();
                int n = Math.Min(batchSize, items.Count - start);
                var batch = BatchBuilder.Build(items.Skip(start).Take(n).ToList(), transform, Enumerable.Range(start, n).ToArray());
                chunks.Add(functional.normalize(backbone.call(batch), dim: 1).MoveToOuterDisposeScope());
                progress?.Report(new EvalProgress("features", start + n, items.Count));
            }
            var features = cat(chunks, 0).MoveToOuterDisposeScope();
            return (features, items.Select(i => i.Label).ToArray());
        }
        finally
        {
            backbone.train(wasTraining);
        }
    }
}
