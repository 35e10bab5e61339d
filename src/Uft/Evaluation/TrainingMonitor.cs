using Uft.Data;
using Uft.Data.Augmentations;
using Uft.Models;
using Uft.Training;
using static TorchSharp.torch;

namespace Uft.Evaluation;

/// <summary>
/// What the trainer measures between epochs so users see whether the representation improves, collapses or scatters:
/// a weighted kNN classifier (k = 200, T = 0.1) on labelled monitor folders, and alignment/uniformity (Wang &amp; Isola
/// 2020) of the target features: alignment over two augmented views of a fixed target sample, uniformity over its
/// evaluation views. Evaluation's measures, so it lives here and the trainer gets it through <see cref="IEpochMonitor"/>
/// (<see cref="Create"/> is an <see cref="EpochMonitorFactory"/>): training does not depend on evaluation.
/// </summary>
public sealed class TrainingMonitor : IEpochMonitor
{
    const int AlignmentSample = 256;

    readonly ImageFolder? knnTrain, knnTest;
    readonly IReadOnlyList<ImageItem> sample;
    readonly IViewTransform eval, augment;

    TrainingMonitor(ImageFolder? knnTrain, ImageFolder? knnTest, IReadOnlyList<ImageItem> sample, IViewTransform eval, IViewTransform augment)
    {
        this.knnTrain = knnTrain; this.knnTest = knnTest; this.sample = sample; this.eval = eval; this.augment = augment;
    }

    public static TrainingMonitor Create(TrainConfig config, InputNorm norm, IReadOnlyList<ImageItem> target, CancellationToken ct)
    {
        ImageFolder? train = null, test = null;
        if (config.MonitorTrain is not null && config.MonitorTest is not null)
        {
            // Full decoding: a file with a good header but bad data would otherwise fail every measurement.
            train = ImageFolder.Labeled(config.MonitorTrain, ScanCheck.Full, ct: ct);
            test = ImageFolder.Labeled(config.MonitorTest, ScanCheck.Full, ct: ct);
            if (!train.Classes.SequenceEqual(test.Classes))
                throw UftException.Usage($"--monitor-test {config.MonitorTest}: its classes differ from --monitor-train's; give a matching pair");
        }
        // A fixed, evenly spaced sample of the target set: the same images every epoch, so curves compare.
        int step = Math.Max(1, target.Count / AlignmentSample);
        // Only images that decode: the target scan checked headers, and one bad file would fail the whole measurement.
        var sample = target.Where((_, i) => i % step == 0).Take(AlignmentSample).AsParallel().AsOrdered().WithCancellation(ct)
            .Where(item => ImageFolder.Check(item.Path, ScanCheck.Full) is null).ToList();
        return new TrainingMonitor(train, test, sample, new EvalTransform(config.ImageSize, norm),
            new MoCoV2Augmentation(config.ImageSize, norm));
    }

    /// <summary>Whether the trainer measures at all: kNN folders, or a target sample for alignment and uniformity.</summary>
    public bool IsActive => knnTrain is not null || sample.Count >= 2;

    /// <summary>Seconds one <see cref="Measure"/> takes, from timing its own pipeline (decode, transform, forward) on a few
    /// of its images and scaling by the images it passes through the backbone.</summary>
    public double EstimateSeconds(ResNet backbone, CancellationToken ct)
    {
        int images = (knnTrain?.Count ?? 0) + (knnTest?.Count ?? 0) + (sample.Count >= 2 ? 3 * sample.Count : 0);
        var probe = (knnTrain?.Items ?? sample).Take(64).ToList();
        if (images == 0 || probe.Count == 0) return 0;
        using var scope = NewDisposeScope();
        Features.Extract(backbone, probe, eval, ct: ct);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Features.Extract(backbone, probe, eval, ct: ct);
        return clock.Elapsed.TotalSeconds / probe.Count * images;
    }

    /// <summary>kNN top-1 accuracy (null without monitor folders), alignment and uniformity of the backbone's features.</summary>
    public (double? Knn, double? Align, double? Uniform) Measure(ResNet backbone, int epoch, CancellationToken ct)
    {
        using var scope = NewDisposeScope();
        double? knn = null;
        if (knnTrain is not null && knnTest is not null)
        {
            var (bank, bankLabels) = Features.Extract(backbone, knnTrain.Items, eval, ct: ct);
            var (queries, queryLabels) = Features.Extract(backbone, knnTest.Items, eval, ct: ct);
            knn = KnnClassifier.Accuracy(bank, bankLabels, queries, queryLabels, knnTrain.Classes.Count);
        }
        if (sample.Count < 2) return (knn, null, null);
        // Two augmented views per image, drawn from a per-epoch seed so each epoch sees fresh but reproducible views.
        var v1 = Features.Extract(backbone, sample, new Seeded(augment, 2 * epoch), ct: ct).Features;
        var v2 = Features.Extract(backbone, sample, new Seeded(augment, 2 * epoch + 1), ct: ct).Features;
        var (align, _) = AlignmentUniformity.Compute(v1, v2);
        var (plain, _) = Features.Extract(backbone, sample, eval, ct: ct);
        var (_, uniform) = AlignmentUniformity.Compute(plain, plain);
        return (knn, align, uniform);
    }

    /// <summary>The seed of one monitor view: a fixed function of the epoch's seed and the loader's draw. Not
    /// <see cref="HashCode.Combine{T1, T2}"/>, which .NET salts per process: a resumed or repeated run must draw the
    /// same views, so the alignment curve of a run is reproducible.</summary>
    public static int ViewSeed(int seed, int draw) => unchecked(seed * 1_000_003 + draw);

    /// <summary>Gives a transform its own random stream, independent of the caller's.</summary>
    sealed class Seeded(IViewTransform inner, int seed) : IViewTransform
    {
        public int Size => inner.Size;
        public int DecodeMinSide => inner.DecodeMinSide;
        public void Apply(RgbImage image, Random rng, Span<float> chw) => inner.Apply(image, new Random(ViewSeed(seed, rng.Next())), chw);
    }
}
