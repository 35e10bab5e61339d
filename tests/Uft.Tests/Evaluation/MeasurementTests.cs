using System.Collections.Concurrent;
using SkiaSharp;
using Uft.Data;
using Uft.Data.Augmentations;
using Uft.Evaluation;
using Uft.Models;
using Uft.Reporting;
using static TorchSharp.torch;

namespace Uft.Tests.Evaluation;

/// <summary>Issue 15: one evaluation transform, recorded and checked by the report; decoding at the size a view needs;
/// the K-shot probe's λ by cross-validation with convergence reported; disjoint train/test; stable monitor seeds.</summary>
[Collection(SerialCollection.Name)]
public class MeasurementTests
{
    /// <summary>Records the size of every image it is given, then writes zeros.</summary>
    sealed class RecordingTransform(int size, int decodeMinSide) : IViewTransform
    {
        public readonly ConcurrentBag<(int Width, int Height)> Seen = [];
        public int Size => size;
        public int DecodeMinSide => decodeMinSide;
        public void Apply(RgbImage image, Random rng, Span<float> chw) { Seen.Add((image.Width, image.Height)); chw.Clear(); }
    }

    static List<ImageItem> WriteJpegs(string dir, int width, int height, int perClass = 2)
    {
        var items = new List<ImageItem>();
        for (int c = 0; c < 2; c++)
        {
            Directory.CreateDirectory(Path.Combine(dir, c.ToString()));
            for (int i = 0; i < perClass; i++)
            {
                using var bitmap = new SKBitmap(width, height);
                bitmap.Erase(new SKColor((byte)(40 + 100 * c), (byte)(20 * i), 90));
                string path = Path.Combine(dir, c.ToString(), $"{i}.jpg");
                using (var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90)) File.WriteAllBytes(path, data.ToArray());
                items.Add(new ImageItem(path, c));
            }
        }
        return items;
    }

    [Fact]
    public void OneEvaluationViewTheWholeShorterSideDecodedAtWhatTheResizeNeeds()
    {
        var eval = new EvalTransform(224, InputNorm.ImageNet);
        Assert.Equal(1.0, eval.CropRatio);
        Assert.Equal(224, eval.DecodeMinSide);
        // Another ratio resizes to round(S / ratio) before the crop, so the decode must reach that, not S.
        Assert.Equal(128, new EvalTransform(64, InputNorm.ImageNet, cropRatio: 0.5).DecodeMinSide);
        // Random-resized crops take up to 92% off each side: they decode at full size.
        Assert.Equal(0, ((IViewTransform)new SupervisedTrainTransform(64, InputNorm.ImageNet)).DecodeMinSide);
        Assert.Equal(0, ((IViewTransform)new MoCoV2Augmentation(64, InputNorm.ImageNet)).DecodeMinSide);
        Assert.Equal(64, new WeakTransform(64, InputNorm.ImageNet).DecodeMinSide);
    }

    [Fact]
    public void FeaturesAndKShotDecodeAtTheSizeTheirViewsNeed()
    {
        string dir = Paths.TempDir();
        var items = WriteJpegs(dir, 400, 300);
        using var net = ResNet.ResNet18();
        // A view that resizes to 100 first: libjpeg's 3/8 scale (150 x 113) is the smallest whose short side reaches 100.
        var resizeTo100 = new RecordingTransform(32, 100);
        Features.Extract(net, items, resizeTo100).Features.Dispose();
        Assert.All(resizeTo100.Seen, s => Assert.Equal((150, 113), s));
        // K-shot's random-resized crops get the whole image (before: a 1/8 decode, 50 x 38, for a 32 px view).
        var crops = new RecordingTransform(32, 0);
        var options = new KShotOptions { Shots = [2], Trials = 1, Epochs = 1, BatchSize = 4 };
        KShotTransfer.RunTrial(net, items, items, 2, 2, seed: 0, crops, new SyntheticImages.NearestTransform(32), options);
        Assert.NotEmpty(crops.Seen);
        Assert.All(crops.Seen, s => Assert.Equal((400, 300), s));
    }

    static (ImageFolder Train, ImageFolder Test) SmallSet(string dir)
    {
        SyntheticImages.Write(Path.Combine(dir, "train"), perClass: 6, seed: 1);
        SyntheticImages.Write(Path.Combine(dir, "test"), perClass: 3, seed: 2);
        return (ImageFolder.Labeled(Path.Combine(dir, "train")), ImageFolder.Labeled(Path.Combine(dir, "test")));
    }

    static readonly EvalOptions Cheap = new() { BatchSize = 8, Clustering = false, TSnePoints = 0, LinearProbe = false, ProbeShots = [1, 2], ProbeTrials = 2 };

    [Fact]
    public void EvalJsonRecordsSizeCropProbeAndKnnKAndTheReportSeparatesEvaluationsMadeDifferently()
    {
        string dir = Paths.TempDir();
        var (train, test) = SmallSet(dir);
        random.manual_seed(0);
        using var net = ResNet.ResNet18();
        var at32 = EvalSuite.Run(net, "r18", train, test, null, new EvalTransforms(new EvalTransform(32, InputNorm.ImageNet)), Cheap, Path.Combine(dir, "a"));
        EvalSuite.Run(net, "r18", train, test, null, new EvalTransforms(new EvalTransform(32, InputNorm.ImageNet)), Cheap, Path.Combine(dir, "b"));
        EvalSuite.Run(net, "r18", train, test, null, new EvalTransforms(new EvalTransform(48, InputNorm.ImageNet)), Cheap, Path.Combine(dir, "c"));

        var saved = EvalReport.Load(Path.Combine(dir, "a", "eval.json"));
        Assert.Equal("32", saved.Settings[EvalReport.ImageSizeSetting]);
        Assert.Equal("1", saved.Settings[EvalReport.CropRatioSetting]);
        Assert.Contains("cross-validation", saved.Settings[EvalReport.ProbeSetting]);
        // k = 200 asked, 12 train images: 12 used, and the table says so.
        Assert.Equal("12", saved.Settings[EvalReport.KnnKSetting]);
        Assert.Equal("kNN accuracy (k = 12, T = 0.1)", EvalMetrics.Describe(EvalMetrics.Knn, saved.Settings));
        // Each K-shot probe trial reports its λ (from the grid), iterations and convergence.
        Assert.Equal(2, saved.Fits["probe_2"].Length);
        Assert.All(saved.Fits["probe_2"], f => Assert.Contains(f.Lambda, Cheap.Probe.Lambdas));
        Assert.All(saved.Fits["probe_1"], f => Assert.True(f.Iterations > 0));
        Assert.Equal(at32.Metrics[EvalMetrics.Retrieval].Mean, saved.Metrics[EvalMetrics.Retrieval].Mean);
        // The label-free candidates of the 12 train images (issue 41): RankMe within [1, min(N, D)], as computed directly.
        var labelFree = saved.LabelFree!;
        Assert.Equal(12, labelFree["images"]);
        Assert.InRange(labelFree["rankme"], 1, 12);
        using (var feats = Features.Extract(net, train.Items, new EvalTransform(32, InputNorm.ImageNet), 8).Features)
            Assert.Equal(LabelFree.RankMe(feats), labelFree["rankme"], 6);
        // Retrieval and kNN keep a value per test query (6 of them), whose mean is the accuracy, with its interval; the
        // file gives the interval as ci95 for readers without UFT, and a reload recomputes the same.
        var retrieval = saved.Metrics[EvalMetrics.Retrieval];
        Assert.Equal((MetricSummary.Query, 6), (retrieval.Draws, retrieval.Values.Length));
        Assert.Equal(retrieval.Values.Average(), retrieval.Mean, 12);
        Assert.Equal(at32.Metrics[EvalMetrics.Retrieval].Ci, retrieval.Ci);
        Assert.Contains("\"ci95\"", File.ReadAllText(Path.Combine(dir, "a", "eval.json")));
        Assert.Equal(MetricSummary.Query, saved.Metrics[EvalMetrics.Knn].Draws);
        Assert.Equal(MetricSummary.Trial, saved.Metrics[EvalMetrics.ProbeMeanClass(1)].Draws);
        // Made alike with the same evaluation seed, a and b pair; c, at another size, does not.
        var b = EvalReport.Load(Path.Combine(dir, "b", "eval.json"));
        Assert.Null(saved.PairingProblem(b));
        Assert.Contains("image size 32 against 48", saved.PairingProblem(EvalReport.Load(Path.Combine(dir, "c", "eval.json"))));

        var alike = new[] { "a", "b" }.Select(n => ReportRun.Load(Path.Combine(dir, n))).ToList();
        Assert.Null(HtmlReport.SettingsNotice(alike));
        var mixed = new[] { "a", "b", "c" }.Select(n => ReportRun.Load(Path.Combine(dir, n))).ToList();
        string notice = HtmlReport.SettingsNotice(mixed)!;
        Assert.Contains("a, b: image size 32", notice);
        Assert.Contains("c: image size 48", notice);
        string html = Path.Combine(dir, "report.html");
        HtmlReport.Write(html, mixed);
        string text = File.ReadAllText(html);
        Assert.Contains("These evaluations were made with different settings", text);
        // One metric table per setting: 32 px (a, b) and 48 px (c).
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(text, "<h2>Evaluation: image size").Count);
        Assert.DoesNotContain("is not paired", text);

        // Another evaluation seed: the same settings, so one table, but its changes against a carry no interval, and the
        // report says why.
        EvalSuite.Run(net, "r18", train, test, null, new EvalTransforms(new EvalTransform(32, InputNorm.ImageNet)), Cheap with { Seed = 1 }, Path.Combine(dir, "d"));
        HtmlReport.Write(html, new[] { "a", "d" }.Select(n => ReportRun.Load(Path.Combine(dir, n))).ToList());
        Assert.Contains("d is not paired with a (eval seed 1 against 0)", File.ReadAllText(html));
        Assert.Equal("not paired, so their changes have no interval: d with a (eval seed 1 against 0)",
            HtmlReport.PairingNotice(new[] { "a", "d" }.Select(n => ReportRun.Load(Path.Combine(dir, n))).ToList()));
        Assert.Null(HtmlReport.PairingNotice(alike));
    }

    [Fact]
    public void ClusteringIsTheMeanOfKMeansFromSeveralSeedsAndSaysSo()
    {
        string dir = Paths.TempDir();
        var (train, test) = SmallSet(dir);
        random.manual_seed(0);
        using var net = ResNet.ResNet18();
        var view = new EvalTransform(32, InputNorm.ImageNet);
        var options = Cheap with { Clustering = true, ClusteringSeeds = 3, ClusteringRestarts = 2, ProbeShots = [], Seed = 4 };
        var report = EvalSuite.Run(net, "r18", train, test, null, new EvalTransforms(view), options, dir);
        var (feats, labels) = Features.Extract(net, train.Items, view, 8);
        using (feats)
        {
            // Seeds 4000, 4001, 4002: each run as `Clustering.Evaluate` makes it, in order.
            var expected = Enumerable.Range(0, 3).Select(i => Clustering.Evaluate(feats, labels, 2, 4000 + i)).ToList();
            Assert.Equal(expected.Select(c => c.BCubedPrecision), report.Metrics[EvalMetrics.ClusteringPrecision].Values);
            Assert.Equal(expected.Select(c => c.Nmi), report.Metrics[EvalMetrics.ClusteringNmi].Values);
        }
        Assert.Equal("K-means, mean over seeds (3) of the best of 2 restarts", report.Settings[EvalReport.ClusteringSetting]);
        Assert.Equal(MetricSummary.Seed, report.Metrics[EvalMetrics.ClusteringPrecision].Draws);
        Assert.Equal("4", report.Settings[EvalReport.EvalSeedSetting]);
        Assert.Contains("--kmeans-seeds", Assert.Throws<UftException>(() => (options with { ClusteringSeeds = 0 }).Validate()).Message);
    }

    [Fact]
    public void TrainAndTestMayNotShareAFileByPathOrByContent()
    {
        string dir = Paths.TempDir();
        var (train, test) = SmallSet(dir);
        Assert.Empty(FolderOverlap.Find(train.Items, test.Items));
        // The same bytes under another name and class folder of the test split.
        File.Copy(train.Items[3].Path, Path.Combine(dir, "test", "1", "copy.png"));
        var leaky = ImageFolder.Labeled(Path.Combine(dir, "test"));
        var shared = Assert.Single(FolderOverlap.Find(train.Items, leaky.Items));
        Assert.Equal(train.Items[3].Path, shared.A);
        var e = Assert.Throws<UftException>(() => EvalSuite.Check(train, leaky, Cheap));
        Assert.True(e.IsUsage);
        Assert.Contains("1 of its images are also in", e.Message);
        Assert.Contains("copy.png", e.Message);
        // The same folder as train and test: every file shared by path.
        Assert.Equal(train.Count, FolderOverlap.Find(train.Items, ImageFolder.Labeled(Path.Combine(dir, "train")).Items).Count);
    }

    [Fact]
    public void MonitorViewSeedsDoNotDependOnTheProcess()
    {
        // HashCode.Combine, used before, is salted per process; this is a fixed function (hand-computed values).
        Assert.Equal(3 * 1_000_003 + 5, TrainingMonitor.ViewSeed(3, 5));
        Assert.Equal(unchecked(2_000_000_000 * 1_000_003 + 7), TrainingMonitor.ViewSeed(2_000_000_000, 7));
    }

    [Fact]
    public void LbfgsReportsIterationsAndWhetherTheGradientToleranceWasMet()
    {
        // f(x) = 1/2 Σ a_i x_i², a = (1, 100): minimum 0 at the origin.
        double[] a = [1, 100];
        (double, double[]) F(double[] x) => (0.5 * (a[0] * x[0] * x[0] + a[1] * x[1] * x[1]), [a[0] * x[0], a[1] * x[1]]);
        double[] x0 = [1, 1];
        var done = Lbfgs.Minimize(F, x0, maxIter: 100, tolerance: 1e-8);
        Assert.True(done.Converged);
        Assert.True(done.GradientMaxAbs <= 1e-8);
        Assert.InRange(done.Iterations, 1, 20);
        var cut = Lbfgs.Minimize(F, x0, maxIter: 1, tolerance: 1e-8);
        Assert.False(cut.Converged);
        Assert.Equal(1, cut.Iterations);
    }

    [Fact]
    public void KShotProbeChoosesLambdaByCrossValidationAndAOneValueGridFixesIt()
    {
        var (train, trainLabels, test, testLabels) = RetrievalAndMonitorTests.ThreeBlobs();
        using var _ = train;
        using var __ = test;
        var fixedLambda = LinearProbe.KShot(train, trainLabels, test, testLabels, 3, [1, 4], trials: 2, seed: 1, new ProbeOptions { Lambdas = [0.3] });
        Assert.All(fixedLambda.SelectMany(r => r.Fits!), f => Assert.Equal(0.3, f.Lambda));
        // Far apart classes: every λ of the grid separates the held-out shots; ties go to the lowest held-out
        // cross-entropy, which the weakest penalty (the most confident fit) gives.
        var cv = LinearProbe.KShot(train, trainLabels, test, testLabels, 3, [1, 4], trials: 2, seed: 1, new ProbeOptions { Lambdas = [1e-3, 10] });
        Assert.All(cv.SelectMany(r => r.Fits!), f => Assert.Equal(1e-3, f.Lambda));
        Assert.All(cv.SelectMany(r => r.Fits!), f => Assert.True(f.Converged, $"{f.Iterations} iterations, gradient {f.GradientMaxAbs}"));
    }
}
