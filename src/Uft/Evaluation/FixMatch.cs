using TorchSharp;
using Uft.Data;
using Uft.Models;
using Uft.Training;
using static TorchSharp.torch;

namespace Uft.Evaluation;

/// <summary>
/// FixMatch (Sohn et al. 2020) started from the backbone under test: each step a labelled batch (weak view,
/// cross-entropy) and mu times as many unlabelled images whose weak-view prediction, where at least
/// <see cref="FixMatchOptions.Threshold"/> confident, is the pseudo-label for their strong view.
/// Reports "Semi-K" test accuracy. The backbone is left as it came.
/// </summary>
public static class FixMatch
{
    public static IReadOnlyList<KShotResult> Run(ResNet backbone, IReadOnlyList<ImageItem> train, IReadOnlyList<ImageItem> test, int numClasses,
        IViewTransform weak, IViewTransform strong, IViewTransform evalTransform, FixMatchOptions options,
        IProgress<EvalProgress>? progress = null, CancellationToken ct = default)
    {
        options.Validate();
        if (numClasses < 2) throw UftException.Usage("FixMatch needs a labelled train folder with at least two classes");
        if (weak.Size != strong.Size) throw new ArgumentException($"weak ({weak.Size}) and strong ({strong.Size}) views must have the same size");
        return FineTuning.OverTrials(backbone, options.Shots, options.Trials, options.Seed, (shots, seed) =>
            RunTrial(backbone, train, test, numClasses, shots, seed, weak, strong, evalTransform, options, progress, ct));
    }

    static (double Top1, double MeanClassAccuracy) RunTrial(ResNet backbone, IReadOnlyList<ImageItem> train, IReadOnlyList<ImageItem> test, int numClasses,
        int shots, int seed, IViewTransform weak, IViewTransform strong, IViewTransform evalTransform, FixMatchOptions options,
        IProgress<EvalProgress>? progress, CancellationToken ct)
    {
        var rng = new Random(seed);
        var labelled = FineTuning.SampleShots(train, shots, rng);
        var decodedLabelled = labelled.Zip(BatchBuilder.Decode(labelled, weak)).ToDictionary(p => p.First.Path, p => p.Second);
        using var head = FineTuning.NewHead(backbone.FeatureDim, numClasses, seed);
        var baseLr = new[] { options.LrHead, options.LrBackbone };
        // Uft's SGD rather than optim.SGD, whose step hands libtorch unheld Scalars (see HeldScalar).
        MomentumSgd[] optimizers =
        [
            new(head.named_parameters(), baseLr[0], options.Momentum, options.WeightDecay, nesterov: true),
            new(backbone.named_parameters(), baseLr[1], options.Momentum, options.WeightDecay, nesterov: true),
        ];
        using var lambdaU = new HeldScalar();
        backbone.train();
        head.train();
        int b = options.BatchSize, ub = options.Mu * options.BatchSize;
        for (int step = 0; step < options.Steps; step++)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            double decay = Math.Cos(7 * Math.PI * step / (16.0 * options.Steps));
            for (int g = 0; g < optimizers.Length; g++) optimizers[g].LearningRate = baseLr[g] * decay;

            var labelledBatch = Enumerable.Range(0, b).Select(_ => labelled[rng.Next(labelled.Count)]).ToList();
            var unlabelledBatch = Enumerable.Range(0, ub).Select(_ => train[rng.Next(train.Count)]).ToList();
            // Each unlabelled image is decoded once and gives both its weak and its strong view.
            var unlabelledImages = BatchBuilder.Decode(unlabelledBatch, weak);
            var xl = BatchBuilder.Build(labelledBatch.Select(i => decodedLabelled[i.Path]).ToList(), weak, labelledBatch.Select(_ => rng.Next()).ToArray());
            var uw = BatchBuilder.Build(unlabelledImages, weak, unlabelledImages.Select(_ => rng.Next()).ToArray());
            var us = BatchBuilder.Build(unlabelledImages, strong, unlabelledImages.Select(_ => rng.Next()).ToArray());
            var y = tensor(labelledBatch.Select(i => (long)i.Label).ToArray());

            foreach (var o in optimizers) o.ZeroGrad();
            // One forward over all three parts so batch norm sees them together, as FixMatch's interleaving intends.
            var logits = head.call(backbone.call(cat([xl, uw, us], 0)));
            var logitsL = logits.narrow(0, 0, b);
            var logitsW = logits.narrow(0, b, ub).detach();
            var logitsS = logits.narrow(0, b + ub, ub);
            var (confidence, pseudo) = nn.functional.softmax(logitsW, 1).max(1);
            using var threshold = options.Threshold.ToScalar();
            var mask = confidence.ge(threshold).to(logitsS.dtype);
            var lossU = (nn.functional.cross_entropy(logitsS, pseudo, reduction: nn.Reduction.None) * mask).mean();
            var loss = nn.functional.cross_entropy(logitsL, y).add(lossU, lambdaU.Of(options.LambdaU));
            loss.backward();
            foreach (var o in optimizers) o.Step();
            progress?.Report(new EvalProgress($"semi-{shots}", step + 1, options.Steps));
        }
        var predictions = FineTuning.Predict(backbone, head, normalise: false, test, evalTransform, options.EvalBatchSize, progress, ct);
        var labels = test.Select(i => i.Label).ToArray();
        return (ClassificationAccuracy.Top1(predictions, labels), ClassificationAccuracy.MeanClass(predictions, labels));
    }
}
