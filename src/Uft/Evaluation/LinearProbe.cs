using TorchSharp;
using static TorchSharp.torch;

namespace Uft.Evaluation;

/// <summary>
/// Linear probe: multinomial logistic regression on frozen features, fitted full-batch with L-BFGS and an L2
/// penalty, then scored on held-out features by top-1 and mean-class accuracy. Every fit reports its iterations and
/// whether the gradient tolerance was met (<see cref="ProbeFit"/>).
/// </summary>
public static class LinearProbe
{
    /// <summary>The full probe: fit on all train features with <see cref="ProbeOptions.FullLambda"/>.</summary>
    public static (double Top1, double MeanClassAccuracy, ProbeFit Fit) Evaluate(Tensor trainFeats, int[] trainLabels, Tensor testFeats, int[] testLabels,
        int numClasses, ProbeOptions? options = null, int seed = 0)
    {
        options ??= new ProbeOptions();
        var (predictions, fit) = FitPredict(trainFeats, trainLabels, testFeats, numClasses, options.FullLambda, options, seed);
        return (ClassificationAccuracy.Top1(predictions, testLabels), ClassificationAccuracy.MeanClass(predictions, testLabels), fit);
    }

    /// <summary>
    /// K-shot linear probe: for each K and trial, draw K train items a class, choose λ by cross-validation on them
    /// (<see cref="ChooseLambda"/>), fit, and score on the whole test set. Cheap on CPU, and a floor for the K-shot
    /// finetune (the backbone stays frozen).
    /// </summary>
    public static IReadOnlyList<KShotResult> KShot(Tensor trainFeats, int[] trainLabels, Tensor testFeats, int[] testLabels, int numClasses,
        IReadOnlyList<int> shots, int trials = 3, int seed = 0, ProbeOptions? options = null) =>
        KShot(trainFeats, trainLabels, testFeats, testLabels, numClasses, shots, DrawRule.Fixed(trials), seed, options);

    /// <summary><see cref="KShot(Tensor, int[], Tensor, int[], int, IReadOnlyList{int}, int, int, ProbeOptions?)"/> with
    /// trials per K as <paramref name="draws"/> decides, on the mean-class accuracy (the headline figure). Trial t of K
    /// draws the same images whatever the backbone, so two backbones' trials pair.</summary>
    public static IReadOnlyList<KShotResult> KShot(Tensor trainFeats, int[] trainLabels, Tensor testFeats, int[] testLabels, int numClasses,
        IReadOnlyList<int> shots, DrawRule draws, int seed = 0, ProbeOptions? options = null)
    {
        options ??= new ProbeOptions();
        options.Validate();
        var results = new List<KShotResult>();
        foreach (int k in shots)
        {
            var top1 = new List<double>();
            var meanClass = new List<double>();
            var fits = new List<ProbeFit>();
            for (int trial = 0; draws.More(meanClass); trial++)
            {
                var rng = new Random(seed * 1_000_003 + k * 1009 + trial);
                // Per class in a random order: the first K are the trial's shots; with K = 1 the next one, where the
                // class has it, is the validation image that chooses λ (and is never fitted).
                var perClass = Enumerable.Range(0, trainLabels.Length).GroupBy(i => trainLabels[i]).OrderBy(g => g.Key)
                    .Select(g => g.OrderBy(_ => rng.Next()).Take(Math.Max(k, 2)).ToArray()).ToList();
                var chosen = perClass.SelectMany(g => g.Take(k)).ToArray();
                // Fold of an image: its position among its class's drawn images, modulo the fold count.
                var cvItems = k >= 2 ? chosen : perClass.SelectMany(g => g).ToArray();
                int folds = k >= 2 ? Math.Min(k, options.MaxFolds) : 2;
                var foldOf = perClass.SelectMany(g => g.Take(k >= 2 ? k : 2).Select((item, j) => (item, fold: j % folds))).ToDictionary(p => p.item, p => p.fold);
                double lambda = ChooseLambda(trainFeats, trainLabels, cvItems, cvItems.Select(i => foldOf[i]).ToArray(), numClasses, options, seed + trial);
                using var index = tensor(chosen.Select(i => (long)i).ToArray());
                using var x = trainFeats.index_select(0, index);
                var (pred, fit) = FitPredict(x, chosen.Select(i => trainLabels[i]).ToArray(), testFeats, numClasses, lambda, options, seed + trial);
                top1.Add(ClassificationAccuracy.Top1(pred, testLabels));
                meanClass.Add(ClassificationAccuracy.MeanClass(pred, testLabels));
                fits.Add(fit);
            }
            results.Add(new KShotResult(k, MetricSummary.Of(top1), MetricSummary.Of(meanClass), fits));
        }
        return results;
    }

    /// <summary>
    /// The λ of <see cref="ProbeOptions.Lambdas"/> with the best held-out accuracy over the folds (ties: lower held-out
    /// cross-entropy, then the larger λ). <paramref name="items"/> index <paramref name="feats"/>; <paramref name="folds"/>
    /// gives each item's fold.
    /// </summary>
    public static double ChooseLambda(Tensor feats, int[] labels, int[] items, int[] folds, int numClasses, ProbeOptions options, int seed = 0)
    {
        if (options.Lambdas.Length == 1) return options.Lambdas[0];
        // Strongest penalty first, each fit starting where the previous one ended (a regularisation path): the
        // weak penalties, slow to converge from scratch, start close to their optimum.
        var lambdas = options.Lambdas.OrderDescending().ToArray();
        var correct = new int[lambdas.Length];
        var logLoss = new double[lambdas.Length];
        foreach (int f in folds.Distinct())
        {
            var fit = items.Where((_, i) => folds[i] != f).ToArray();
            var held = items.Where((_, i) => folds[i] == f).ToArray();
            if (fit.Length == 0 || held.Length == 0) continue;
            using var scope = NewDisposeScope();
            var x = feats.index_select(0, tensor(fit.Select(i => (long)i).ToArray()));
            var heldX = feats.index_select(0, tensor(held.Select(i => (long)i).ToArray())).to(ScalarType.Float64);
            var y = tensor(held.Select(i => (long)labels[i]).ToArray());
            Tensor? start = null;
            for (int l = 0; l < lambdas.Length; l++)
            {
                var (w, b, _) = Fit(x, fit.Select(i => labels[i]).ToArray(), numClasses, lambdas[l], options, seed, start);
                start = cat([w.reshape(-1), b]);
                using var _ = no_grad();
                var logits = heldX.matmul(w).add_(b, HeldScalar.One);
                correct[l] += (int)logits.argmax(1).eq(y).sum().item<long>();
                logLoss[l] += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<double>();
            }
        }
        return Enumerable.Range(0, lambdas.Length).OrderByDescending(l => correct[l]).ThenBy(l => logLoss[l]).ThenByDescending(l => lambdas[l]).Select(l => lambdas[l]).First();
    }

    /// <summary>Fits on (trainFeats, trainLabels) with penalty <paramref name="lambda"/> and returns the predicted class of each test row.</summary>
    public static (int[] Predictions, ProbeFit Fit) FitPredict(Tensor trainFeats, int[] trainLabels, Tensor testFeats, int numClasses, double lambda,
        ProbeOptions? options = null, int seed = 0)
    {
        using var scope = NewDisposeScope();
        var (w, b, fit) = Fit(trainFeats, trainLabels, numClasses, lambda, options ?? new ProbeOptions(), seed);
        using var _ = no_grad();
        var logits = testFeats.detach().to(ScalarType.Float64).matmul(w).add_(b, HeldScalar.One);
        return (logits.argmax(1).to(ScalarType.Int32).data<int>().ToArray(), fit);
    }

    /// <summary>Minimises mean cross-entropy + λ/2·‖W‖² (bias not penalised); W (D, C) and b (C) in float64.</summary>
    static (Tensor W, Tensor B, ProbeFit Fit) Fit(Tensor trainFeats, int[] trainLabels, int numClasses, double lambda, ProbeOptions options, int seed, Tensor? start = null)
    {
        if (trainLabels.Length != trainFeats.shape[0]) throw new ArgumentException("train labels and features differ in length");
        var x64 = trainFeats.detach().to(ScalarType.Float64);
        long n = x64.shape[0], d = x64.shape[1];
        // The labels one-hot: the gradient of the mean cross-entropy in the logits is (softmax − one-hot) / n.
        var oneHot = nn.functional.one_hot(tensor(trainLabels.Select(l => (long)l).ToArray()), numClasses).to(ScalarType.Float64);
        var xt = x64.t().contiguous();
        var generator = new Generator((ulong)seed);
        // Numbers reach libtorch as Scalars held until the end of the fit (see HeldScalar).
        using var initScale = 0.01.ToScalar();
        using var half = 0.5.ToScalar();
        double[] theta0 = start is not null ? start.data<double>().ToArray()
            : [.. randn(d * numClasses, generator: generator, dtype: ScalarType.Float64).mul_(initScale).data<double>(), .. new double[numClasses]];
        using var lambdaScalar = lambda.ToScalar();
        using var invN = (1.0 / n).ToScalar();
        (double, double[]) LossAndGradient(double[] theta)
        {
            // Mean cross-entropy + λ/2·‖W‖² and its gradient, written out: no autograd graph for a few small matrices.
            using var step = NewDisposeScope();
            var t = tensor(theta);
            var w = t.narrow(0, 0, d * numClasses).view(d, numClasses);
            var bias = t.narrow(0, d * numClasses, numClasses);
            var logits = x64.matmul(w).add_(bias, HeldScalar.One);
            var logProbs = logits.log_softmax(1);
            var loss = logProbs.mul(oneHot).sum().neg().mul_(invN).add_(w.pow(HeldScalar.Two).sum().mul_(half), lambdaScalar);
            var residual = logProbs.exp_().sub_(oneHot).mul_(invN);
            var gradient = cat([xt.matmul(residual).add_(w, lambdaScalar).reshape(-1), residual.sum(dim: 0)]);
            return (loss.item<double>(), gradient.data<double>().ToArray());
        }
        var result = Lbfgs.Minimize(LossAndGradient, theta0, options.MaxIterations, tolerance: options.GradientTolerance);
        var theta = tensor(result.X);
        return (theta.narrow(0, 0, d * numClasses).view(d, numClasses), theta.narrow(0, d * numClasses, numClasses),
            new ProbeFit(lambda, result.Iterations, result.GradientMaxAbs, result.Converged));
    }
}
