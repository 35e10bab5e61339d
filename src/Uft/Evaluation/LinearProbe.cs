using TorchSharp;
using static TorchSharp.torch;

namespace Uft.Evaluation;

/// <summary>
/// Linear probe: multinomial logistic regression on frozen features, fitted full-batch with L-BFGS and an L2
/// penalty, then scored on held-out features by top-1 and mean-class accuracy.
/// </summary>
public static class LinearProbe
{
    /// <param name="trainFeats">(N, D) frozen training features.</param>
    /// <param name="weightDecay">L2 penalty on the weights, as λ/2·||W||².</param>
    /// <param name="maxIter">L-BFGS iterations.</param>
    public static (double Top1, double MeanClassAccuracy) Evaluate(Tensor trainFeats, int[] trainLabels, Tensor testFeats, int[] testLabels,
        int numClasses, double weightDecay = 1e-4, int maxIter = 100, int seed = 0)
    {
        var predictions = FitPredict(trainFeats, trainLabels, testFeats, numClasses, weightDecay, maxIter, seed);
        return (ClassificationAccuracy.Top1(predictions, testLabels), ClassificationAccuracy.MeanClass(predictions, testLabels));
    }

    /// <summary>
    /// K-shot linear probe: for each K and trial, fit on K random train items a class and score on the whole test
    /// set. Cheap on CPU, and a floor for the K-shot finetune (the backbone stays frozen).
    /// </summary>
    public static IReadOnlyList<KShotResult> KShot(Tensor trainFeats, int[] trainLabels, Tensor testFeats, int[] testLabels, int numClasses,
        IReadOnlyList<int> shots, int trials = 3, int seed = 0, double weightDecay = 1e-4, int maxIter = 100)
    {
        var results = new List<KShotResult>();
        foreach (int k in shots)
        {
            var top1 = new List<double>();
            var meanClass = new List<double>();
            for (int trial = 0; trial < trials; trial++)
            {
                var rng = new Random(seed * 1_000_003 + k * 1009 + trial);
                var chosen = Enumerable.Range(0, trainLabels.Length).GroupBy(i => trainLabels[i]).OrderBy(g => g.Key)
                    .SelectMany(g => g.OrderBy(_ => rng.Next()).Take(k)).Select(i => (long)i).ToArray();
                using var index = tensor(chosen);
                using var x = trainFeats.index_select(0, index);
                var pred = FitPredict(x, chosen.Select(i => trainLabels[i]).ToArray(), testFeats, numClasses, weightDecay, maxIter, seed + trial);
                top1.Add(ClassificationAccuracy.Top1(pred, testLabels));
                meanClass.Add(ClassificationAccuracy.MeanClass(pred, testLabels));
            }
            results.Add(new KShotResult(k, MetricSummary.Of(top1), MetricSummary.Of(meanClass)));
        }
        return results;
    }

    /// <summary>Fits on (trainFeats, trainLabels) and returns the predicted class of each test row.</summary>
    public static int[] FitPredict(Tensor trainFeats, int[] trainLabels, Tensor testFeats, int numClasses, double weightDecay = 1e-4, int maxIter = 100, int seed = 0)
    {
        if (trainLabels.Length != trainFeats.shape[0]) throw new ArgumentException("train labels and features differ in length");
        using var scope = NewDisposeScope();
        var x = trainFeats.detach().to(ScalarType.Float32);
        var y = tensor(trainLabels.Select(l => (long)l).ToArray());
        long d = x.shape[1];
        var generator = new Generator((ulong)seed);
        // Numbers reach libtorch as Scalars held until the end of the fit (see HeldScalar).
        using var initScale = 0.01.ToScalar();
        using var halfDecay = (0.5 * weightDecay).ToScalar();
        var theta0 = cat([randn(d * numClasses, generator: generator, dtype: ScalarType.Float64).mul_(initScale), zeros(numClasses, dtype: ScalarType.Float64)]);
        var x64 = x.to(ScalarType.Float64);
        (double, Tensor) LossAndGradient(Tensor theta)
        {
            using var step = NewDisposeScope();
            var t = theta.detach().requires_grad_(true);
            var w = t.narrow(0, 0, d * numClasses).view(d, numClasses);
            var bias = t.narrow(0, d * numClasses, numClasses);
            var loss = nn.functional.cross_entropy(x64.matmul(w).add_(bias, HeldScalar.One), y).add_(w.pow(HeldScalar.Two).sum(), halfDecay);
            loss.backward();
            return (loss.item<double>(), t.grad!.clone().MoveToOuterDisposeScope());
        }
        var theta = Lbfgs.Minimize(LossAndGradient, theta0, maxIter);
        var wFit = theta.narrow(0, 0, d * numClasses).view(d, numClasses).to(ScalarType.Float32);
        var b = theta.narrow(0, d * numClasses, numClasses).to(ScalarType.Float32);
        using var _ = no_grad();
        var logits = testFeats.detach().to(ScalarType.Float32).matmul(wFit).add_(b, HeldScalar.One);
        return logits.argmax(1).to(ScalarType.Int32).data<int>().ToArray();
    }
}
