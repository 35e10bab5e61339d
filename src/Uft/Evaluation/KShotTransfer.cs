using TorchSharp;
using Uft.Data;
using Uft.Models;
using Uft.Training;
using static TorchSharp.torch;

namespace Uft.Evaluation;

/// <summary>
/// Few-shot transfer: for each K and trial, sample K labelled images a class from the train set, put a new linear
/// classifier on the backbone and finetune the whole network with the train-time augmentation; report top-1 and
/// mean-class accuracy on the test set. Every trial starts from the same weights; the backbone is left as it came.
/// </summary>
public static class KShotTransfer
{
    /// <param name="trainTransform">Train-time augmentation (random-resized-crop + flip in the paper).</param>
    /// <param name="evalTransform">Deterministic test transform (resize + centre crop).</param>
    public static IReadOnlyList<KShotResult> Run(ResNet backbone, IReadOnlyList<ImageItem> train, IReadOnlyList<ImageItem> test, int numClasses,
        IViewTransform trainTransform, IViewTransform evalTransform, KShotOptions options, IProgress<EvalProgress>? progress = null, CancellationToken ct = default)
    {
        options.Validate();
        if (numClasses < 2) throw UftException.Usage("k-shot transfer needs a labelled train folder with at least two classes");
        if (test.Count == 0) throw UftException.Usage("k-shot transfer: the test folder has no images");
        return FineTuning.OverTrials(backbone, options.Shots, options.Trials, options.Seed, (shots, seed) =>
            RunTrial(backbone, train, test, numClasses, shots, seed, trainTransform, evalTransform, options, progress, ct));
    }

    /// <summary>One trial: returns (top-1, mean-class accuracy) on <paramref name="test"/>.</summary>
    public static (double Top1, double MeanClassAccuracy) RunTrial(ResNet backbone, IReadOnlyList<ImageItem> train, IReadOnlyList<ImageItem> test, int numClasses,
        int shots, int seed, IViewTransform trainTransform, IViewTransform evalTransform, KShotOptions options, IProgress<EvalProgress>? progress = null, CancellationToken ct = default)
    {
        var rng = new Random(seed);
        var labelled = FineTuning.SampleShots(train, shots, rng);
        if (labelled.Count < 2) throw UftException.Usage("k-shot transfer: fewer than two labelled train images");
        // The sample is small (K x classes): decode once (at full size for random-resized crops), augment every epoch.
        var decoded = labelled.Zip(BatchBuilder.Decode(labelled, trainTransform)).ToDictionary(p => p.First.Path, p => p.Second);

        using var head = FineTuning.NewHead(backbone.FeatureDim, numClasses, seed);
        // Uft's SGD rather than optim.SGD, whose step hands libtorch unheld Scalars (see HeldScalar).
        MomentumSgd[] optimizers =
        [
            new(head.named_parameters(), options.LrHead, options.Momentum, options.WeightDecay),
            new(backbone.named_parameters(), options.LrBackbone, options.Momentum, options.WeightDecay),
        ];
        backbone.train();
        if (options.FreezeBatchNorm) FrozenBatchNorm.Apply(backbone);
        head.train();
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            var order = labelled.OrderBy(_ => rng.Next()).ToList();
            foreach (var batchItems in FineTuning.EvenBatches(order, options.BatchSize))
            {
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var x = BatchBuilder.Build(batchItems.Select(i => decoded[i.Path]).ToList(), trainTransform, batchItems.Select(_ => rng.Next()).ToArray());
                var y = tensor(batchItems.Select(i => (long)i.Label).ToArray());
                foreach (var o in optimizers) o.ZeroGrad();
                var logits = head.call(nn.functional.normalize(backbone.call(x), dim: 1));
                nn.functional.cross_entropy(logits, y).backward();
                foreach (var o in optimizers) o.Step();
            }
            progress?.Report(new EvalProgress($"{shots}-shot", epoch + 1, options.Epochs));
        }
        var predictions = FineTuning.Predict(backbone, head, normalise: true, test, evalTransform, options.EvalBatchSize, progress, ct);
        var labels = test.Select(i => i.Label).ToArray();
        return (ClassificationAccuracy.Top1(predictions, labels), ClassificationAccuracy.MeanClass(predictions, labels));
    }
}
