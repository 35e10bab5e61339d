using System.Diagnostics;
using System.Text.Json;
using Uft.Data;
using Uft.Data.Augmentations;
using Uft.Models;
using static TorchSharp.torch;

namespace Uft.Evaluation;

/// <summary>
/// Runs the paper's evaluations of one backbone on a labelled train/test pair (features: pooled output, L2-normalised,
/// evaluation transform) and writes eval.json (plus the t-SNE maps as data, tsne.json) into an output folder. It draws
/// nothing: Uft.Reporting makes pictures of what it writes.
/// </summary>
public static class EvalSuite
{
    public static EvalReport Run(ResNet backbone, string backboneName, ImageFolder train, ImageFolder test, IReadOnlyList<ImageItem>? source,
        EvalTransforms transforms, EvalOptions options, string outputDir, string? command = null,
        IProgress<EvalProgress>? progress = null, CancellationToken ct = default)
    {
        Check(train, test, options);
        AtomicFile.CreateDirectory(outputDir);
        int numClasses = train.Classes.Count;
        var metrics = new Dictionary<string, MetricSummary>();
        var seconds = new Dictionary<string, double>();
        var perClass = new Dictionary<string, double[]>();
        RetrievalSample? sample = null;
        string? tsneFile = null;
        var fits = new Dictionary<string, ProbeFit[]>();
        int? knnK = null;
        Dictionary<string, double>? labelFree = null;
        T Timed<T>(string name, Func<T> run)
        {
            var watch = Stopwatch.StartNew();
            var result = run();
            seconds[name] = Math.Round(watch.Elapsed.TotalSeconds, 2);
            return result;
        }

        // K-shot finetuning and FixMatch work on images; frozen features are extracted only for the protocols that use them.
        // Source features only where something uses them: forgetting on a source that can measure it, or the t-SNE.
        bool forgetting = options.SourceClustering && source is { Count: > 0 } && ForgettingProblem(source) is null;
        bool useSource = source is { Count: > 0 } && (forgetting || options.TSnePoints > 0);
        if (options.Retrieval || options.Clustering || options.Knn || options.LinearProbe || options.ProbeShots.Length > 0 || options.TSnePoints > 0 || useSource || options.LabelFree != false)
        {
            var (trainFeats, trainLabels) = Timed("features_train", () => Features.Extract(backbone, train.Items, transforms.Eval, options.BatchSize, progress, ct));
            // Test features only for the protocols that query them: clustering, t-SNE and the label-free measures use the
            // train images alone (--protocols labelfree on caltech101 extracted 2945 test images for nothing).
            bool queries = options.Retrieval || options.Knn || options.LinearProbe || options.ProbeShots.Length > 0;
            var (testFeats, testLabels) = queries
                ? Timed("features_test", () => Features.Extract(backbone, test.Items, transforms.Eval, options.BatchSize, progress, ct))
                : (empty(0), Array.Empty<int>());
            using (trainFeats)
            using (testFeats)
            {
                if (options.LabelFree != false) labelFree = Timed("label_free", () => LabelFreeOf(trainFeats));
                if (options.Retrieval)
                {
                    var neighbours = Timed("retrieval", () => Retrieval.TopKNeighbours(testFeats, trainFeats, options.RetrievalK));
                    var hits = Retrieval.Hits(neighbours, testLabels, trainLabels);
                    // Per query, its share of hits: their mean is the accuracy, and they pair draw by draw with another backbone's.
                    var perQuery = hits.Select(h => (double)h / options.RetrievalK).ToArray();
                    metrics[EvalMetrics.Retrieval] = MetricSummary.OverQueries(perQuery);
                    perClass[EvalMetrics.Retrieval] = ClassificationAccuracy.PerClassMean(perQuery, testLabels, numClasses);
                    if (options.RetrievalExamples > 0)
                        sample = RetrievalSample.Build(testFeats, trainFeats, neighbours, test, train, options.RetrievalExamples, options.Seed);
                }
                if (options.Clustering)
                {
                    var runs = Timed("clustering", () => ClusterAll(trainFeats, trainLabels, options, progress, ct));
                    metrics[EvalMetrics.ClusteringPrecision] = MetricSummary.Of(runs.Select(c => c.BCubedPrecision).ToList(), MetricSummary.Seed);
                    metrics[EvalMetrics.ClusteringRecall] = MetricSummary.Of(runs.Select(c => c.BCubedRecall).ToList(), MetricSummary.Seed);
                    metrics[EvalMetrics.ClusteringF1] = MetricSummary.Of(runs.Select(c => c.BCubedF1).ToList(), MetricSummary.Seed);
                    metrics[EvalMetrics.ClusteringNmi] = MetricSummary.Of(runs.Select(c => c.Nmi).ToList(), MetricSummary.Seed);
                }
                if (options.Knn)
                {
                    // k is capped by the train set; what was used goes into the settings and the tables.
                    knnK = KnnClassifier.EffectiveK(options.KnnK, trainLabels.Length);
                    var predictions = Timed("knn", () => KnnClassifier.Predict(trainFeats, trainLabels, testFeats, numClasses, options.KnnK, options.KnnTemperature));
                    metrics[EvalMetrics.Knn] = MetricSummary.OverQueries(Correct(predictions, testLabels));
                    perClass[EvalMetrics.Knn] = ClassificationAccuracy.PerClass(predictions, testLabels, numClasses);
                }
                if (options.LinearProbe)
                {
                    var (predictions, fit) = Timed("linear_probe", () => LinearProbe.FitPredict(trainFeats, trainLabels, testFeats, numClasses, options.Probe.FullLambda, options.Probe, options.Seed));
                    double meanClass = ClassificationAccuracy.MeanClass(predictions, testLabels);
                    metrics[EvalMetrics.LinearProbeTop1] = MetricSummary.OverQueries(Correct(predictions, testLabels));
                    metrics[EvalMetrics.LinearProbeMeanClass] = MetricSummary.Single(meanClass);
                    fits[EvalMetrics.LinearProbeTop1.Replace("_top1", "")] = [fit];
                }
                if (options.ProbeShots.Length > 0)
                    foreach (var r in Timed("probe_kshot", () => LinearProbe.KShot(trainFeats, trainLabels, testFeats, testLabels, numClasses, options.ProbeShots, options.ProbeDraws, options.Seed, options.Probe)))
                    {
                        metrics[EvalMetrics.ProbeTop1(r.Shots)] = r.Top1;
                        metrics[EvalMetrics.ProbeMeanClass(r.Shots)] = r.MeanClassAccuracy;
                        fits[$"probe_{r.Shots}"] = [.. r.Fits ?? []];
                    }

                Tensor? sourceFeats = null;
                if (useSource && source is { } sourceItems)
                {
                    (sourceFeats, var sourceLabels) = Timed("features_source", () => Features.Extract(backbone, sourceItems, transforms.Eval, options.BatchSize, progress, ct));
                    if (forgetting)
                    {
                        var s = Timed("source_clustering", () => ClusterAll(sourceFeats, sourceLabels, options, progress, ct));
                        metrics[EvalMetrics.SourceClusteringPrecision] = MetricSummary.Of(s.Select(c => c.BCubedPrecision).ToList(), MetricSummary.Seed);
                        metrics[EvalMetrics.SourceClusteringNmi] = MetricSummary.Of(s.Select(c => c.Nmi).ToList(), MetricSummary.Seed);
                    }
                }
                using (sourceFeats)
                {
                    if (options.TSnePoints > 0)
                    {
                        var maps = Timed("tsne", () => TSneMaps(trainFeats, trainLabels, train.Classes, sourceFeats, options, progress, ct));
                        TSneMap.Save(Path.Combine(outputDir, TSneMap.FileName), maps);
                        tsneFile = TSneMap.FileName;
                    }
                }
            }
        }

        if (options.KShot is { } kshot)
        {
            var trainTransform = transforms.KShotTrain ?? throw new ArgumentException("k-shot transfer needs a train-time transform");
            var results = Timed("kshot", () => KShotTransfer.Run(backbone, train.Items, test.Items, numClasses, trainTransform, transforms.Eval, kshot, progress, ct));
            foreach (var r in results)
            {
                metrics[EvalMetrics.KShotTop1(r.Shots)] = r.Top1;
                metrics[EvalMetrics.KShotMeanClass(r.Shots)] = r.MeanClassAccuracy;
            }
        }
        if (options.FixMatch is { } fixmatch)
        {
            if (transforms.Weak is null || transforms.Strong is null) throw new ArgumentException("FixMatch needs weak and strong transforms");
            var results = Timed("fixmatch", () => FixMatch.Run(backbone, train.Items, test.Items, numClasses, transforms.Weak, transforms.Strong, transforms.Eval, fixmatch, progress, ct));
            foreach (var r in results)
            {
                metrics[EvalMetrics.SemiTop1(r.Shots)] = r.Top1;
                metrics[EvalMetrics.SemiMeanClass(r.Shots)] = r.MeanClassAccuracy;
            }
        }

        var report = new EvalReport
        {
            Backbone = backboneName,
            Command = command,
            Metrics = metrics,
            Seconds = seconds,
            Settings = Settings(train, test, source, transforms.Eval, options, knnK),
            Fits = fits,
            Classes = train.Classes,
            PerClass = perClass,
            RetrievalSample = sample,
            TSneFile = tsneFile,
            LabelFree = labelFree,
        };
        report.Save(Path.Combine(outputDir, "eval.json"));
        return report;
    }

    /// <summary>Label-free measures on at most <see cref="LabelFreeImages"/> of the train images, evenly spaced in the
    /// folder's order, so backbones compare on the same images and SND's N x N similarities stay small.</summary>
    static Dictionary<string, double> LabelFreeOf(Tensor trainFeats)
    {
        using var scope = NewDisposeScope();
        long n = trainFeats.shape[0], step = Math.Max(1, (n + LabelFreeImages - 1) / LabelFreeImages);
        var subset = trainFeats.index_select(0, tensor(Enumerable.Range(0, (int)n).Where(i => i % step == 0).Select(i => (long)i).ToArray()));
        return new() { ["rankme"] = Evaluation.LabelFree.RankMe(subset), ["snd"] = Evaluation.LabelFree.Snd(subset), ["images"] = subset.shape[0] };
    }

    /// <summary>The most train images the label-free measures use.</summary>
    public const int LabelFreeImages = 2000;

    /// <summary>The usage errors <see cref="Run"/> would raise, without loading a model: for callers that want to fail early.
    /// Train and test may not share a file (same path, or same bytes under another name).</summary>
    public static void Check(ImageFolder train, ImageFolder test, EvalOptions options)
    {
        options.Validate();
        if (!train.IsLabeled || !test.IsLabeled) throw UftException.Usage("evaluation needs labelled train and test folders laid out as root/<class>/<image>");
        if (!train.Classes.SequenceEqual(test.Classes))
            throw UftException.Usage($"{test.Root}: its classes differ from those of {train.Root}; give a matching train/test pair");
        if (FolderOverlap.Find(train.Items, test.Items) is { Count: > 0 } shared)
            throw UftException.Usage($"{test.Root}: {shared.Count} of its images are also in {train.Root} (e.g. {shared[0].B} = {shared[0].A}); " +
                "give disjoint train and test folders");
        if (options.Retrieval && train.Count < options.RetrievalK)
            throw UftException.Usage($"{train.Root}: {train.Count} images, fewer than retrieval's k = {options.RetrievalK}");
        CheckShots(train, options);
    }

    /// <summary>K-shot protocols draw K train images a class without replacement, so K may not exceed the smallest class.</summary>
    static void CheckShots(ImageFolder train, EvalOptions options)
    {
        var counts = train.ClassCounts();
        // Classes without train images (a subset of a folder) draw nothing; the smallest of the others bounds K.
        int smallest = Array.IndexOf(counts, counts.Where(c => c > 0).DefaultIfEmpty(0).Min());
        var shots = options.ProbeShots.Concat(options.KShot?.Shots ?? []).Concat(options.FixMatch?.Shots ?? []);
        if (shots.Where(k => k > counts[smallest]).DefaultIfEmpty(0).Max() is int k and > 0)
            throw UftException.Usage($"--shots {k}: class {train.Classes[smallest]} has only {counts[smallest]} train images; use at most {counts[smallest]}");
    }

    /// <summary>Why <paramref name="source"/> cannot measure forgetting (K-means with one cluster a class, scored by BCubed
    /// precision and NMI), or null when it can. With one image a class every cluster can be pure whatever the backbone:
    /// ImageNet's one-image-a-class replay sample scored 100.00 for every arm.</summary>
    public static string? ForgettingProblem(IReadOnlyList<ImageItem> source)
    {
        if (source.Count == 0 || source.Any(i => i.Label < 0)) return "it has no class folders (root/<class>/<image>)";
        var counts = source.GroupBy(i => i.Label).Select(g => g.Count()).ToList();
        int single = counts.Count(c => c < 2);
        return single == 0 ? null
            : $"{single} of its {counts.Count} classes hold one image, so clusters of one class each score 100 whatever the backbone; give a labelled source with several images a class";
    }

    /// <summary>A source folder: labelled when it has class folders (root/&lt;class&gt;/&lt;image&gt;, needed for forgetting),
    /// otherwise every image below it, unlabelled (enough for the source/target t-SNE).</summary>
    public static ImageFolder OpenSource(string path, CancellationToken ct = default) =>
        Directory.Exists(path) && Directory.EnumerateDirectories(path).Any() ? ImageFolder.Labeled(path, ct: ct) : ImageFolder.Unlabeled(path, ct: ct);

    /// <summary>Per query, 1 where the prediction is right: their mean is top-1 accuracy.</summary>
    static double[] Correct(int[] predictions, int[] labels) => predictions.Select((p, i) => p == labels[i] ? 1.0 : 0.0).ToArray();

    /// <summary>K-means from seeds 0, 1, 2... (as <see cref="EvalOptions.ClusteringDraws"/> decides on BCubed precision),
    /// each the best of its restarts: one run's BCubed precision can move by several points with the seed alone, so the
    /// metric is their mean. Seed i is the same for every backbone evaluated with the same evaluation seed.</summary>
    static List<ClusteringScores> ClusterAll(Tensor feats, int[] labels, EvalOptions options, IProgress<EvalProgress>? progress, CancellationToken ct)
    {
        var runs = new List<ClusteringScores>();
        while (options.ClusteringDraws.More(runs.Select(c => c.BCubedPrecision).ToList()))
            runs.Add(Clustering.Evaluate(feats, labels, options.ClusteringRestarts, options.Seed * 1000 + runs.Count, progress: progress, ct: ct));
        return runs;
    }

    static Dictionary<string, string> Settings(ImageFolder train, ImageFolder test, IReadOnlyList<ImageItem>? source, IViewTransform eval, EvalOptions options, int? knnK)
    {
        var settings = new Dictionary<string, string>
        {
            ["train"] = $"{train.Root} ({train.Count} images, {train.Classes.Count} classes)",
            ["test"] = $"{test.Root} ({test.Count} images)",
            // What changes the numbers, named so uft report can tell evaluations made alike (EvalReport.ComparedSettings).
            [EvalReport.ImageSizeSetting] = eval.Size.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [EvalReport.CropRatioSetting] = eval is EvalTransform e ? e.CropRatio.ToString(System.Globalization.CultureInfo.InvariantCulture) : "custom",
            [EvalReport.ProbeSetting] = options.Probe.Describe(),
            [EvalReport.ClusteringSetting] = $"K-means, mean over seeds ({options.ClusteringDraws.Describe()}) of the best of {options.ClusteringRestarts} restarts",
            ["probe_trials"] = options.ProbeDraws.Describe(),
            // Draw i of two evaluations with the same seed (and data) is the same draw: their metrics pair (EvalReport.PairingProblem).
            [EvalReport.EvalSeedSetting] = options.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["options"] = JsonSerializer.Serialize(options, EvalReport.Json),
        };
        if (knnK is int k) settings[EvalReport.KnnKSetting] = k.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (source is { Count: > 0 }) settings["source"] = $"{source.Count} images";
        return settings;
    }

    /// <summary>The target features by class and, given source features, target against source.</summary>
    static List<TSneMap> TSneMaps(Tensor trainFeats, int[] trainLabels, IReadOnlyList<string> classes, Tensor? sourceFeats, EvalOptions options,
        IProgress<EvalProgress>? progress, CancellationToken ct)
    {
        var rng = new Random(options.Seed);
        var maps = new List<TSneMap>();
        var target = Subsample((int)trainFeats.shape[0], options.TSnePoints, rng);
        using (var embedded = Embed(trainFeats.index_select(0, tensor(target)), options, progress, ct))
            maps.Add(Map("target", "t-SNE of target features, by class", embedded, target.Select(i => trainLabels[i]).ToArray(), classes));
        if (sourceFeats is null) return maps;
        var t = Subsample((int)trainFeats.shape[0], options.TSnePoints / 2, rng);
        var s = Subsample((int)sourceFeats.shape[0], options.TSnePoints / 2, rng);
        using var both = cat([trainFeats.index_select(0, tensor(t)), sourceFeats.index_select(0, tensor(s))], 0);
        using (var embedded = Embed(both, options, progress, ct))
            maps.Add(Map("source_target", "t-SNE of source and target features", embedded,
                Enumerable.Repeat(0, t.Length).Concat(Enumerable.Repeat(1, s.Length)).ToArray(), ["target", "source"]));
        return maps;
    }

    static TSneMap Map(string name, string title, Tensor xy, int[] groups, IReadOnlyList<string> groupNames)
    {
        // Two decimals are far finer than a picture can show and keep tsne.json small.
        var flat = xy.contiguous().data<float>().ToArray().Select(v => MathF.Round(v, 2)).ToArray();
        return new TSneMap(name, title, groupNames, groups, flat.Where((_, i) => i % 2 == 0).ToArray(), flat.Where((_, i) => i % 2 == 1).ToArray());
    }

    static Tensor Embed(Tensor x, EvalOptions options, IProgress<EvalProgress>? progress, CancellationToken ct) =>
        TSne.Embed(x, Math.Min(options.TSnePerplexity, (x.shape[0] - 1) / 3.0), iterations: options.TSneIterations, seed: options.Seed, progress: progress, ct: ct);

    static long[] Subsample(int n, int max, Random rng) =>
        (n <= max ? Enumerable.Range(0, n) : Enumerable.Range(0, n).OrderBy(_ => rng.Next()).Take(max).Order()).Select(i => (long)i).ToArray();
}
