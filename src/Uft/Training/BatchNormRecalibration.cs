using TorchSharp.Modules;
using Uft.Data;
using ResNet = Uft.Models.ResNet;
using static TorchSharp.torch;

namespace Uft.Training;

/// <summary>
/// Re-estimates the running statistics of every BatchNorm layer as the plain average over clean views of a set of
/// images (PyTorch's <c>update_bn</c>, as used for SWA; AdaBN when the images are a new domain). After contrastive
/// training the running averages describe heavily augmented (and, with mixing, CutMixed) views, which evaluation in
/// eval mode then applies to clean images.
/// </summary>
public static class BatchNormRecalibration
{
    /// <summary>Runs the images through <paramref name="model"/> in train mode without gradients; leaves it in eval mode.</summary>
    public static void Run(ResNet model, IReadOnlyList<ImageItem> items, IViewTransform transform, int batchSize = 64, CancellationToken ct = default)
    {
        var norms = model.modules().OfType<BatchNorm>().ToList();
        if (norms.Count == 0) return;
        var saved = norms.Select(n => n.momentum).ToList();
        using (no_grad())
        {
            foreach (var n in norms)
            {
                n.running_mean!.zero_();
                n.running_var!.fill_(HeldScalar.One);
                n.num_batches_tracked?.zero_();
                n.momentum = null; // null: cumulative moving average, i.e. the plain mean over batches
            }
            model.train();
            // A last batch of one image has no batch statistics: drop the remainder (fewer than one batch of images).
            var loader = new Loader(items, [transform], new LoaderOptions(Math.Min(batchSize, items.Count), Shuffle: false, DropLast: items.Count > batchSize));
            foreach (var batch in loader.Epoch(0, ct))
            {
                using var _ = batch;
                using var scope = NewDisposeScope();
                model.call(batch.Views[0]);
            }
        }
        for (int i = 0; i < norms.Count; i++) norms[i].momentum = saved[i];
        model.eval();
    }
}
