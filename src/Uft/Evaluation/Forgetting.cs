using Uft.Data;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Uft.Evaluation;

/// <summary>
/// Forgetting of the source domain: clustering accuracy (BCubed precision of K-means) of source images under the
/// backbone before and after finetuning. A drop means the finetuned features lost source structure.
/// </summary>
public static class Forgetting
{
    public static (ClusteringScores Before, ClusteringScores After) Measure(Module<Tensor, Tensor> before, Module<Tensor, Tensor> after,
        IReadOnlyList<ImageItem> source, IViewTransform transform, int batchSize = 64, int restarts = 10, int seed = 0,
        IProgress<EvalProgress>? progress = null, CancellationToken ct = default)
    {
        if (source.Any(i => i.Label < 0)) throw UftException.Usage("forgetting: the source folder must be labelled (root/<class>/<image>)");
        return (Score(before), Score(after));

        ClusteringScores Score(Module<Tensor, Tensor> backbone)
        {
            var (features, labels) = Features.Extract(backbone, source, transform, batchSize, progress, ct);
            using (features) return Clustering.Evaluate(features, labels, restarts, seed, progress: progress, ct: ct);
        }
    }
}
