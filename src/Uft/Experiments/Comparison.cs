using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Uft.Data;
using Uft.Data.Augmentations;
using Uft.Evaluation;
using Uft.Models;
using Uft.Pretrained;
using Uft.Reporting;
using Uft.Training;

namespace Uft.Experiments;

/// <summary>What one arm of a comparison is: the backbone as it ships, or a finetuning preset.</summary>
public static class Arms
{
    public const string None = "none";
    /// <summary>The backbone as shipped with only its BatchNorm statistics re-estimated on the target images (AdaBN):
    /// the control for what new statistics alone do. The finetuned arms are not recalibrated: they keep the backbone's
    /// statistics (the default) or learn train-mode ones (--bn train).</summary>
    public const string BnAdapt = "bn-adapt";
    /// <summary>The arms a comparison takes: the two controls, then every finetuning preset (not pretrain, which is
    /// MoCo pretraining under another name).</summary>
    public static readonly string[] Known = [None, BnAdapt, .. MethodPreset.All.Where(p => p.Name != "pretrain").Select(p => p.Name)];

    /// <summary>What an arm is, for the legend under results.md.</summary>
    public static string Describe(string arm) => arm switch
    {
        None => "the backbone as shipped",
        BnAdapt => "the backbone as shipped with its batch-norm statistics re-estimated on the target train images (AdaBN); no finetuned arm is recalibrated",
        _ => MethodPreset.Find(arm)?.Description ?? arm,
    };
}

/// <summary>
/// A comparison in the paper's layout: the same backbone evaluated as it ships (arm <c>none</c>) and after each
/// finetuning preset (naive, replay-only, mix-only, uft, scratch), on one labelled train/test pair. The train images
/// are the unlabeled target set for finetuning; their labels are used by the evaluations only.
/// </summary>
public sealed record ComparisonConfig
{
    public string Name { get; init; } = "comparison";
    public string Backbone { get; init; } = TrainConfig.DefaultBackbone;
    public string Train { get; init; } = "";
    public string Test { get; init; } = "";
    public string? Source { get; init; }
    /// <summary>A labelled source set to measure forgetting on (and draw the source/target t-SNE from) in place of
    /// <see cref="Source"/>, which a sparse replay sample (one image a class) cannot measure it on.</summary>
    public string? SourceEval { get; init; }
    public double ReplayFraction { get; init; } = 0.1;
    public int? ReplayCount { get; init; }
    public string[] Arms { get; init; } = [Experiments.Arms.None, "naive", "uft"];
    /// <summary>The training size. Default: the size the backbone is used at (<see cref="UseSize"/>), since gains made at a
    /// smaller size did not hold there (docs/findings.md, "At the size the backbone is used at").</summary>
    public int ImageSize { get; init; } = 224;
    /// <summary>The finetuning arms' crop scale (<see cref="TrainConfig.CropScale"/>; null: MoCo v2's).</summary>
    public double[]? CropScale { get; init; }
    /// <summary>Every arm is also evaluated at this size when it differs from <see cref="ImageSize"/> (224: what
    /// ImageNet backbones are made for; a finetune at a small size may help only at that size). 0: training size only.</summary>
    public int EvalSize { get; init; } = 224;

    /// <summary>The training size a comparison takes when none is given: <paramref name="evalSize"/>, the size its arms
    /// are judged at, or 224 (ImageNet's) where it evaluates at the training size only.</summary>
    public static int UseSize(int evalSize) => evalSize > 0 ? evalSize : 224;
    public int Epochs { get; init; } = 100;
    /// <summary>Training budget of each finetuned arm in minutes (<see cref="TrainConfig.Minutes"/>); null: <see cref="Epochs"/>.</summary>
    public double? Minutes { get; init; }
    public int BatchSize { get; init; } = 64;
    public double? Lr { get; init; }
    public Mixing Mixing { get; init; } = Mixing.CutMix;
    public int Seed { get; init; }
    public int Workers { get; init; }
    /// <summary>Finetuning arms keep the backbone's batch-norm statistics (<see cref="TrainConfig.FreezeBn"/>; null: the
    /// default, on for pretrained weights); scratch never does.</summary>
    public bool? FreezeBn { get; init; }
    /// <summary>Stages the finetuning arms keep as pretrained (<see cref="TrainConfig.FreezeStages"/>; null: the default);
    /// scratch trains everything.</summary>
    public int? FreezeStages { get; init; }
    /// <summary>The finetuning arms' cached views (<see cref="TrainConfig.CachedViews"/>; 0: fresh views every step;
    /// null: the default).</summary>
    public int? CachedViews { get; init; }
    /// <summary>The finetuning arms' <see cref="TrainConfig.RefreshViews"/>.</summary>
    public int RefreshViews { get; init; }
    public EvalOptions Eval { get; init; } = new();
    /// <summary>Keep training checkpoints of finished arms (about 3x the model size each); off keeps only backbone.safetensors.</summary>
    public bool KeepCheckpoints { get; init; }
    public string OutputRoot { get; init; } = "runs";

    public string Folder => Path.Combine(OutputRoot, Name);

    public ComparisonConfig Validate()
    {
        if (string.IsNullOrWhiteSpace(Train)) throw UftException.Usage("--train: missing; give a labelled folder (root/<class>/<image>)");
        if (string.IsNullOrWhiteSpace(Test)) throw UftException.Usage("--test: missing; give a labelled folder with the same classes");
        foreach (var arm in Arms)
            if (!Experiments.Arms.Known.Contains(arm))
                throw UftException.Usage($"--arms {arm}: unknown arm; choose from {string.Join(", ", Experiments.Arms.Known)}");
        if (Arms.Any(a => MethodPreset.Find(a)?.Replays == true) && Source is null)
            throw UftException.Usage("--source: the uft and replay-only arms replay source images; give --source <folder>");
        if (TrainConfig.FreezeStagesError(FreezeStages) is { } freezeError) throw UftException.Usage(freezeError);
        if (TrainConfig.CropScaleError(CropScale) is { } cropError) throw UftException.Usage(cropError);
        if (EvalSize != 0 && EvalSize < 16) throw UftException.Usage($"--eval-size {EvalSize}: give at least 16, or 0 for the training size only");
        // Every setting a finetuning arm trains with is checked here, before any arm is evaluated or anything is written.
        foreach (var arm in Arms.Where(a => MethodPreset.Find(a) is not null)) TrainFor(arm).Validate();
        Eval.Validate();
        return this;
    }

    /// <summary>How many times an arm of a given length measures the kNN monitor.</summary>
    public const int MonitorPoints = 2;

    /// <summary>The training configuration of one finetuning arm.</summary>
    public TrainConfig TrainFor(string arm)
    {
        var c = TrainConfig.ApplyPreset(new TrainConfig
        {
            // Scratch (Unsup-T) starts from random weights, so it takes the weight-free ResNet-18 whatever the backbone.
            Name = arm, OutputRoot = Folder, Target = Train, Backbone = Backbone, Source = Source, ReplayFraction = ReplayFraction,
            ReplayCount = ReplayCount, Epochs = Epochs, BatchSize = BatchSize, ImageSize = ImageSize, CropScale = CropScale, Lr = Lr, Seed = Seed,
            // Only the last checkpoint is kept: the arm's epochs may be chosen by its budget.
            // The kNN monitor about twice an arm (halfway and at the end) rather than the four times of `uft finetune`: at 224 px
            // each measure encodes the train and test images (2.4 minutes on caltech101, a fifth of the demo's 10 minutes
            // when four), and every arm is evaluated in full after it anyway. A budget chooses its own (MonitorEvery 0).
            Workers = Workers, Mixing = Mixing, CheckpointEvery = int.MaxValue, MonitorTrain = Train, MonitorTest = Test,
            MonitorEvery = Minutes is null ? TrainConfig.MonitorEveryFor(Epochs, MonitorPoints) : 0,
        } with { Backbone = arm == "scratch" ? TrainConfig.DefaultScratchBackbone : Backbone, FreezeBn = arm == "scratch" ? null : FreezeBn,
            FreezeStages = arm == "scratch" ? null : FreezeStages, CachedViews = arm == "scratch" ? 0 : CachedViews,
            RefreshViews = arm == "scratch" ? 0 : RefreshViews }, arm);
        return Minutes is { } minutes ? c.WithMinutes(minutes) : c;
    }
}

/// <summary>One arm's outcome: its evaluation at the training size and, when the comparison has another
/// <see cref="ComparisonConfig.EvalSize"/>, at that size too (in <c>eval-&lt;size&gt;px/</c> of its folder).</summary>
public sealed record ArmResult(string Arm, EvalReport Eval, string Folder, double TrainSeconds, double EvalSeconds, EvalReport? AtEvalSize = null);

/// <summary>What a comparison is doing now, for progress display.</summary>
public sealed record ComparisonProgress(string Arm, string Stage, int Done, int Total, string? Detail = null);

/// <summary>Runs a <see cref="ComparisonConfig"/>: each arm trains (resuming an interrupted run, reusing a finished one),
/// is evaluated, and one report.html compares them.</summary>
public static partial class Comparison
{
    /// <summary>How the finetuning arms train and where they are judged, for the line before they start: the training
    /// size and why, the length, the batch, batch norm and the views.</summary>
    public static string Plan(ComparisonConfig c)
    {
        string size = c.EvalSize is > 0 && c.EvalSize != c.ImageSize
            ? $"trained at {c.ImageSize} px, evaluated at {c.ImageSize} and {c.EvalSize} px"
            : $"trained and evaluated at {c.ImageSize} px" + (c.ImageSize == ComparisonConfig.UseSize(c.EvalSize) ? ", the size the backbone is used at (gains made at smaller sizes did not hold there: docs/findings.md)" : "");
        string length = c.Minutes is { } m ? $"{m:G4} min an arm" : $"{c.Epochs} epochs";
        // The views as the finetuning arms resolve them (scratch, from random weights, freezes nothing and caches nothing).
        int views = c.Arms.Where(a => MethodPreset.Find(a) is { RandomInit: false }).Select(a => c.TrainFor(a).CachedViewCount).FirstOrDefault();
        string viewText = views == 0 ? "fresh views every step"
            : $"{views} cached views an image" + (c.CachedViews is null ? " where they fit (--cached-views 0: fresh every step)" : "");
        return $"{size} · {length} · batch {c.BatchSize} · {(c.FreezeBn == false ? "train-mode batch norm" : "pretrained batch-norm statistics kept")} · {viewText}";
    }

    public static IReadOnlyList<ArmResult> Run(ComparisonConfig config, IProgress<ComparisonProgress>? progress = null,
        Action<string>? notice = null, CancellationToken ct = default)
    {
        config.Validate();
        notice ??= _ => { };
        using var writing = LockFolders(config);
        CheckSettings(config);
        var train = ImageFolder.Labeled(config.Train, ct: ct);
        var test = ImageFolder.Labeled(config.Test, ct: ct);
        // Before any arm trains: bad shots, or train and test sharing images, would otherwise stop it after training.
        EvalSuite.Check(train, test, config.Eval);
        // The source set (labelled: forgetting; any: the source/target t-SNE) is measured like in uft eval: the one given
        // for evaluation, else the replayed one. Forgetting is left out, in one line, where the set cannot measure it.
        string? sourcePath = config.SourceEval ?? config.Source;
        var source = sourcePath is null ? null : EvalSuite.OpenSource(sourcePath, ct).Items;
        if (source is { Count: > 0 } && source.All(i => i.Label >= 0) && config.Eval.SourceClustering && EvalSuite.ForgettingProblem(source) is { } problem)
            notice($"forgetting not measured on {sourcePath}: {problem} (--source-eval)");
        if (config.Arms.Any(a => MethodPreset.Find(a) is not null)) notice(Plan(config));
        int? evalSize = config.EvalSize is > 0 && config.EvalSize != config.ImageSize ? config.EvalSize : null;
        var results = new List<ArmResult>();
        foreach (var arm in config.Arms)
        {
            ct.ThrowIfCancellationRequested();
            string folder = Path.Combine(config.Folder, arm);
            string evalFile = Path.Combine(folder, "eval.json");
            string? sizeFolder = evalSize is int s ? Path.Combine(folder, EvalSizeFolder(s)) : null;
            if (File.Exists(evalFile) && (sizeFolder is null || File.Exists(Path.Combine(sizeFolder, "eval.json"))))
            {
                notice($"{arm}: already evaluated, reusing {evalFile}");
                var (trainedIn, evaluatedIn) = ArmTimes.Load(folder);
                results.Add(new ArmResult(arm, EvalReport.Load(evalFile), folder, trainedIn, evaluatedIn, sizeFolder is null ? null : EvalReport.Load(Path.Combine(sizeFolder, "eval.json"))));
                continue;
            }
            using var armWriting = RunLock.Acquire(folder); // a new arm's folder, as it is created (held already if it existed)
            var clock = Stopwatch.StartNew();
            string backbone = config.Backbone;
            if (arm is not (Arms.None or Arms.BnAdapt))
            {
                var run = new RunFolder(folder);
                bool resume = Directory.Exists(run.Checkpoints) && Directory.EnumerateFiles(run.Checkpoints, "*.safetensors").Any();
                // A resumed arm keeps the configuration it started with (config.json), as `uft finetune --resume` does: under
                // --minutes its budget chose the epochs, which the comparison's settings do not hold.
                var trainConfig = resume && File.Exists(run.ConfigFile)
                    ? run.ConfigForResume(config.Folder, arm) with { Workers = config.Workers }
                    : config.TrainFor(arm);
                if (!File.Exists(run.BackboneFile))
                {
                    var trainer = new Trainer(trainConfig,
                        new SyncProgress<TrainProgress>(p => progress?.Report(new ComparisonProgress(arm, "finetune", (p.Epoch - 1) * p.Batches + p.Batch, Math.Max(p.Epoch, p.Epochs) * p.Batches,
                            $"epoch {p.Epoch}/{p.EpochsText} loss {p.Loss:F3} {p.ImagesPerSecond:F0} img/s"))),
                        n => notice($"{arm}: {n}"), TrainingMonitor.Create);
                    var result = trainer.Train(resume, ct);
                    if (!result.Completed) throw new OperationCanceledException($"{arm}: stopped; run the same command again to resume");
                }
                if (!config.KeepCheckpoints && Directory.Exists(run.Checkpoints)) Directory.Delete(run.Checkpoints, recursive: true);
                backbone = run.BackboneFile;
            }
            double trainSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var (model, _) = Backbones.Load(backbone);
            using (model)
            {
                // bn-adapt's statistics come from the training-size views, the size the arms are compared at first.
                if (arm == Arms.BnAdapt) BatchNormRecalibration.Run(model, train.Items, new EvalTransform(config.ImageSize, InputNorm.ImageNet), config.BatchSize, ct);
                string name = arm == Arms.None ? config.Backbone : $"{config.Backbone} + {arm}";
                EvalReport Evaluate(int size, string output, EvalOptions options, string stage)
                {
                    var evalProgress = new SyncProgress<EvalProgress>(p => progress?.Report(new ComparisonProgress(arm, stage + p.Stage, p.Done, p.Total)));
                    return EvalSuite.Run(model, name, train, test, source, Transforms(size), options, output, null, evalProgress, ct);
                }
                var report = Evaluate(config.ImageSize, folder, config.Eval, "");
                // The second size repeats the measurements, not the pictures.
                var atSize = evalSize is int size ? Evaluate(size, sizeFolder!, config.Eval with { TSnePoints = 0 }, $"{size} px ") : null;
                // One reading, rounded as times.json keeps it: a rerun that reuses the arm prints the same figure (the clock
                // read twice, 2.49 s printed "2" where the saved 2.5 printed "3" on a rerun; the suite's 6th of 10 runs).
                double evalSeconds = ArmTimes.Rounded(clock.Elapsed.TotalSeconds);
                results.Add(new ArmResult(arm, report, folder, ArmTimes.Rounded(trainSeconds), evalSeconds, atSize));
                ArmTimes.Save(folder, trainSeconds, evalSeconds);
            }
        }
        // Each evaluation named by its arm: the report sets the sizes apart (a section each, "none · 224 px" in the legends).
        var runs = results.Select(r => ReportRun.Load(r.Folder) with { Name = r.Arm })
            .Concat(evalSize is int es ? results.Select(r => ReportRun.Load(Path.Combine(r.Folder, EvalSizeFolder(es))) with { Name = r.Arm }) : []);
        HtmlReport.Write(Path.Combine(config.Folder, "report.html"), runs.ToList(),
            $"{config.Name}: {config.Backbone} on {DataSetName(config.Train)}", baseline: Math.Max(0, Array.IndexOf(config.Arms, Arms.None)));
        AtomicFile.WriteAllText(Path.Combine(config.Folder, "results.md"), Markdown(config, results));
        return results;
    }

    /// <summary>One writer per comparison: the arms' folders that exist (each is a run folder, which `uft finetune --resume`
    /// can also write), then the comparison folder, are locked before anything is written, so a second process stops
    /// with the holder's id having written nothing.</summary>
    static IDisposable LockFolders(ComparisonConfig config)
    {
        var held = new Stack<RunLock>();
        try
        {
            foreach (var arm in config.Arms)
                if (RunLock.AcquireIfExists(Path.Combine(config.Folder, arm)) is { } l) held.Push(l);
            held.Push(RunLock.Acquire(config.Folder));
            return new Locks(held);
        }
        catch
        {
            new Locks(held).Dispose();
            throw;
        }
    }

    sealed class Locks(Stack<RunLock> held) : IDisposable
    {
        public void Dispose()
        {
            while (held.TryPop(out var l)) l.Dispose();
        }
    }

    /// <summary>The folder, inside an arm's, of its evaluation at another size.</summary>
    public static string EvalSizeFolder(int size) => $"eval-{size}px";

    /// <summary>The views every arm is evaluated with: the one evaluation transform (<see cref="EvalTransform.DefaultCropRatio"/>),
    /// K-shot's train view and FixMatch's weak and strong views, all at <paramref name="size"/>.</summary>
    static EvalTransforms Transforms(int size) => new(new EvalTransform(size, InputNorm.ImageNet), new SupervisedTrainTransform(size, InputNorm.ImageNet),
        new WeakTransform(size, InputNorm.ImageNet), new StrongTransform(size, InputNorm.ImageNet));

    /// <summary>"caltech101" for ".../caltech101/train": the folder above the split.</summary>
    static string DataSetName(string train)
    {
        var dir = new DirectoryInfo(Path.GetFullPath(train));
        return dir.Parent is { } parent && dir.Name is "train" or "training" ? parent.Name : dir.Name;
    }

    /// <summary>The paper's table layout: one row per arm; K-shot, retrieval and clustering columns; mean ± half its 95%
    /// interval in %, and for each finetuned arm the paired change against the backbone as shipped with its own interval.
    /// With another evaluation size, a second table holds the arms evaluated at that size.</summary>
    public static string Markdown(ComparisonConfig config, IReadOnlyList<ArmResult> results)
    {
        var sb = new System.Text.StringBuilder();
        bool twoSizes = results.Any(r => r.AtEvalSize is not null);
        if (twoSizes) sb.AppendLine($"At the training size, {config.ImageSize} px:").AppendLine();
        sb.Append(Table(config, results.Select(r => (r, r.Eval)).ToList()));
        if (twoSizes)
        {
            sb.AppendLine().AppendLine($"At {config.EvalSize} px (the same backbones, evaluated at another size):").AppendLine();
            sb.Append(Table(config, results.Where(r => r.AtEvalSize is not null).Select(r => (r, r.AtEvalSize!)).ToList()));
        }
        var verdict = Verdict.Lines(results, config.ImageSize, config.EvalSize);
        if (verdict.Count > 0) sb.AppendLine().AppendJoin("", verdict.Select(l => $"- {l}\n"));
        sb.AppendLine();
        bool finetuned = config.Eval.KShot is not null;
        sb.AppendLine("Figures in %: mean ± half its 95% interval over the evaluation's draws (test queries for retrieval and kNN, " +
                      "K-means seeds, K-shot trials); in brackets the paired change against the backbone as shipped (the same draws), ± half its 95% interval.");
        sb.AppendLine();
        sb.AppendLine($"K-shot columns: {(finetuned ? "the paper's K-shot transfer (new FC + whole-network finetune)" : "linear probe on frozen features (a floor for the paper's K-shot finetune; λ by cross-validation per arm, K and trial)")}, " +
                      $"mean-class accuracy, {(finetuned ? config.Eval.KShot!.Trials.ToString() : config.Eval.ProbeDraws.Describe())} trials. " +
                      $"Trained at {config.ImageSize} px, {(config.Minutes is { } m ? $"{m:G4} minutes an arm (epochs chosen after the first: see each arm's config.json)" : $"{config.Epochs} epochs")}, batch {config.BatchSize}, training seed {config.Seed}, evaluation seed {config.Eval.Seed} (every arm on the same draws); evaluated on the whole image " +
                      $"(shorter side resized, centre square){(results.FirstOrDefault()?.Eval.Settings.GetValueOrDefault(EvalReport.KnnKSetting) is { } k ? $"; kNN k = {k}" : "")}.");
        sb.AppendLine();
        sb.AppendLine("Arms: " + string.Join("; ", results.Select(r => $"{r.Arm}: {Arms.Describe(r.Arm)}")) + ".");
        return sb.ToString();
    }

    /// <summary>Whole seconds, or "–" for a time an arm made by an older uft did not record.</summary>
    static string Seconds(double s) => double.IsNaN(s) ? "–" : s.ToString("F0", System.Globalization.CultureInfo.InvariantCulture);

    static string Table(ComparisonConfig config, IReadOnlyList<(ArmResult Arm, EvalReport Eval)> rows)
    {
        var shots = config.Eval.KShot?.Shots ?? config.Eval.ProbeShots;
        bool finetuned = config.Eval.KShot is not null;
        var columns = shots.Select(k => (Title: $"{k}-shot", Metric: finetuned ? EvalMetrics.KShotMeanClass(k) : EvalMetrics.ProbeMeanClass(k)))
            .Append((Title: "retrieval", Metric: EvalMetrics.Retrieval)).Append((Title: "BCubed P", Metric: EvalMetrics.ClusteringPrecision))
            .Append((Title: "NMI", Metric: EvalMetrics.ClusteringNmi)).Append((Title: "kNN", Metric: EvalMetrics.Knn)).ToList();
        bool semi = config.Eval.FixMatch is not null, source = rows.Any(r => r.Eval.Metrics.ContainsKey(EvalMetrics.SourceClusteringPrecision));
        if (semi) columns.AddRange(config.Eval.FixMatch!.Shots.Select(k => (Title: $"Semi-{k}", Metric: EvalMetrics.SemiMeanClass(k))));
        if (source) columns.Add((Title: "source BCubed P", Metric: EvalMetrics.SourceClusteringPrecision));
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"| arm | {string.Join(" | ", columns.Select(c => c.Title))} | train s | eval s |");
        sb.AppendLine($"|---|{string.Concat(columns.Select(_ => "---|"))}---|---|");
        var baseline = rows.FirstOrDefault(r => r.Arm.Arm == Arms.None).Eval;
        foreach (var (r, eval) in rows)
        {
            bool paired = baseline is not null && eval != baseline && eval.PairingProblem(baseline) is null;
            var cells = columns.Select(c => !eval.Metrics.TryGetValue(c.Metric, out var m) ? "–"
                : paired && baseline!.Metrics.TryGetValue(c.Metric, out var b) ? $"{m.Format(2)} ({m.Against(b).Format(2)})" : m.Format(2));
            sb.AppendLine($"| {r.Arm} | {string.Join(" | ", cells)} | {Seconds(r.TrainSeconds)} | {Seconds(r.EvalSeconds)} |");
        }
        return sb.ToString();
    }
}
