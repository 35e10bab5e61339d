using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Uft.Data;
using Uft.Data.Augmentations;
using Uft.Evaluation;
using Uft.Models;
using Uft.Pretrained;
using Uft.Reporting;

namespace Uft.Cli.Commands;

/// <summary>`uft eval`: the paper's evaluations of one backbone on a labelled train/test pair, written to eval.json.</summary>
sealed class EvalCommand : Command<EvalCommand.Settings>
{
    static readonly string[] AllProtocols = ["retrieval", "clustering", "knn", "probe", "kshot", "fixmatch", "tsne", "forgetting", "labelfree"];
    const string DefaultProtocols = "retrieval,clustering,knn,probe,tsne,labelfree";

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--backbone <NAME|FILE|RUN>")] [Description("Backbone name (uft backbones), a weights file, or a run folder (its backbone.safetensors). Required.")]
        public string? Backbone { get; init; }
        [CommandOption("--train <DIR>")] [Description("Labelled train folder (root/<class>/<image>): retrieval gallery, K-means, probe and K-shot labels. Required.")]
        public string? Train { get; init; }
        [CommandOption("--test <DIR>")] [Description("Labelled test folder with the same classes. Required.")]
        public string? Test { get; init; }
        [CommandOption("--protocols <LIST>")] [Description($"Comma-separated: retrieval, clustering, knn, probe, kshot, fixmatch, tsne, forgetting, labelfree (RankMe and SND of the train features, labels unused), or all (default {DefaultProtocols}).")]
        public string? Protocols { get; init; }
        [CommandOption("--image-size <PX>")] [Description("Input size; the shorter side is resized to it and the centre square kept, the whole image as in training (default 224).")]
        public int ImageSize { get; init; } = 224;
        [CommandOption("--shots <LIST>")] [Description("K labels a class for probe, kshot and fixmatch (default 1,2,4,8; fixmatch 4).")]
        public string? Shots { get; init; }
        [CommandOption("--trials <N>")] [Description("K-shot linear probe: random draws of the K labelled images per K (default: as many as bring the standard error of the mean to 0.3 points, 20 to 400).")]
        public int? Trials { get; init; }
        [CommandOption("--kshot-trials <N>")] [Description("Trials per K of kshot and fixmatch, each of which trains the network (default 3).")]
        public int KShotTrials { get; init; } = 3;
        [CommandOption("--kshot-epochs <N>")] [Description("Finetuning epochs per K-shot trial (default 30).")]
        public int KShotEpochs { get; init; } = 30;
        [CommandOption("--kshot-train-bn")] [Description("K-shot: let batch norm update its running statistics from the few labelled images (default: keep the backbone's).")]
        public bool KShotTrainBn { get; init; }
        [CommandOption("--fixmatch-steps <N>")] [Description("FixMatch steps per trial (default 2000).")]
        public int FixMatchSteps { get; init; } = 2000;
        [CommandOption("--source <DIR>")] [Description("Source images: labelled (root/<class>/<image>) for forgetting; any images for the source/target t-SNE (default none).")]
        public string? Source { get; init; }
        [CommandOption("--restarts <N>")] [Description("K-means restarts, the best kept (default 10).")]
        public int Restarts { get; init; } = 10;
        [CommandOption("--kmeans-seeds <N>")] [Description("K-means runs from N seeds (each the best of --restarts); clustering metrics are their mean (default: as many as bring the standard error of the mean to 0.3 points, 20 to 400).")]
        public int? KMeansSeeds { get; init; }
        [CommandOption("--tsne-points <N>")] [Description("Points per t-SNE picture (default 2000).")]
        public int TSnePoints { get; init; } = 2000;
        [CommandOption("--tsne-iterations <N>")] [Description("t-SNE iterations (default 1000).")]
        public int TSneIterations { get; init; } = 1000;
        [CommandOption("--batch-size <N>")] [Description("Images per forward pass for features (default 64).")]
        public int BatchSize { get; init; } = 64;
        [CommandOption("--output <DIR>")] [Description("Folder for eval.json and pictures (default runs/eval-<backbone>).")]
        public string? Output { get; init; }
        [CommandOption("--eval-seed <N>")] [Description("Seeds the draws (K-shot images, K-means starts, t-SNE) and random-init weights; evaluations with the same seed pair draw by draw in uft report (default 0).")]
        public int EvalSeed { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var protocols = ParseProtocols(settings.Protocols);
        if (settings.Train is null || settings.Test is null) throw UftException.Usage("--train and --test: both required (labelled folders root/<class>/<image>)");
        if (settings.ImageSize < 16) throw UftException.Usage($"--image-size: {settings.ImageSize} is too small; give at least 16");
        if (protocols.Contains("forgetting") && settings.Source is null)
            throw UftException.Usage("--protocols forgetting: needs --source <labelled source folder>");
        int[]? shots = settings.Shots is null ? null : ParseShots(settings.Shots);
        var options = new EvalOptions
        {
            BatchSize = settings.BatchSize,
            Retrieval = protocols.Contains("retrieval"),
            Clustering = protocols.Contains("clustering"),
            Knn = protocols.Contains("knn"),
            SourceClustering = protocols.Contains("forgetting"),
            LinearProbe = protocols.Contains("probe"),
            ProbeShots = protocols.Contains("probe") ? shots ?? [1, 2, 4, 8] : [],
            ProbeTrials = settings.Trials,
            ClusteringRestarts = settings.Restarts,
            ClusteringSeeds = settings.KMeansSeeds,
            KShot = protocols.Contains("kshot") ? new KShotOptions { Shots = shots ?? [1, 2, 4, 8], Trials = settings.KShotTrials, Epochs = settings.KShotEpochs, Seed = settings.EvalSeed, FreezeBatchNorm = !settings.KShotTrainBn } : null,
            FixMatch = protocols.Contains("fixmatch") ? new Evaluation.FixMatchOptions { Shots = shots ?? [4], Trials = settings.KShotTrials, Steps = settings.FixMatchSteps, Seed = settings.EvalSeed } : null,
            TSnePoints = protocols.Contains("tsne") ? settings.TSnePoints : 0,
            LabelFree = protocols.Contains("labelfree"),
            TSneIterations = settings.TSneIterations,
            Seed = settings.EvalSeed,
        };
        options.Validate();
        var (nameOrFile, label) = BackboneArgument.Resolve(settings.Backbone);
        string output = settings.Output ?? Path.Combine("runs", "eval-" + label);

        using var interrupt = new Interrupt(cancellationToken);
        var train = ProgressBars.Run($"scanning {settings.Train}", p => ImageFolder.Labeled(settings.Train, ScanCheck.Header, Scan(p), interrupt.Token));
        var test = ProgressBars.Run($"scanning {settings.Test}", p => ImageFolder.Labeled(settings.Test, ScanCheck.Header, Scan(p), interrupt.Token));
        var source = settings.Source is null || !(protocols.Contains("forgetting") || protocols.Contains("tsne")) ? null : LoadSource(settings.Source, protocols.Contains("forgetting"));
        if (source is not null && protocols.Contains("forgetting") && EvalSuite.ForgettingProblem(source.Items) is { } problem)
            throw UftException.Usage($"--source {settings.Source}: cannot measure forgetting: {problem}");
        EvalSuite.Check(train, test, options);
        TorchSharp.torch.manual_seed(settings.EvalSeed); // a random-init backbone is then the same on every run
        var (model, _) = Backbones.Load(nameOrFile);
        using (model)
        {
            var norm = InputNorm.ImageNet;
            var transforms = new EvalTransforms(new EvalTransform(settings.ImageSize, norm), new SupervisedTrainTransform(settings.ImageSize, norm),
                new WeakTransform(settings.ImageSize, norm), new StrongTransform(settings.ImageSize, norm));
            AnsiConsole.MarkupLineInterpolated($"[bold]{label}[/] · {train.Count} train / {test.Count} test images, {train.Classes.Count} classes · {settings.ImageSize} px · {string.Join(", ", protocols)} → {output}");
            var report = EvalProgressBars.Run(p => EvalSuite.Run(model, label, train, test, source?.Items, transforms, options, output,
                BackboneArgument.CommandLine(), p, interrupt.Token));
            int pictures = DrawMaps(report, output);
            Summarise(report, output, pictures);
        }
        return 0;
    }

    static IProgress<ScanProgress> Scan(IProgress<(int Done, int Total)> p) => new SyncProgress<ScanProgress>(s => p.Report((s.Done, s.Total)));

    /// <summary>Class folders make a labelled source (needed for forgetting); otherwise every image below it, unlabelled.</summary>
    static ImageFolder LoadSource(string path, bool needLabels)
    {
        var source = EvalSuite.OpenSource(path);
        if (needLabels && !source.IsLabeled)
            throw UftException.Usage($"--source {path}: forgetting needs a labelled source folder ({path}/<class>/<image>); this one has no class folders");
        return source;
    }

    static HashSet<string> ParseProtocols(string? value)
    {
        var names = (value ?? DefaultProtocols).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => p.ToLowerInvariant()).ToList();
        if (names.Contains("all")) return [.. AllProtocols];
        if (names.Count == 0) throw UftException.Usage($"--protocols: empty; choose from {string.Join(", ", AllProtocols)}");
        foreach (var n in names)
            if (!AllProtocols.Contains(n)) throw UftException.Usage($"--protocols: unknown protocol '{n}'; choose from {string.Join(", ", AllProtocols)} or all");
        return [.. names];
    }

    static int[] ParseShots(string value)
    {
        var parts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var shots = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], out shots[i]) || shots[i] < 1)
                throw UftException.Usage($"--shots {value}: '{parts[i]}' is not a positive whole number; give e.g. 1,2,4,8");
        if (shots.Length == 0) throw UftException.Usage("--shots: empty; give e.g. 1,2,4,8");
        return shots;
    }

    /// <summary>The t-SNE maps EvalSuite wrote as data, drawn beside eval.json as tsne_&lt;name&gt;.png.</summary>
    static int DrawMaps(EvalReport report, string output)
    {
        if (report.TSneFile is null) return 0;
        var maps = TSneMap.Load(Path.Combine(output, report.TSneFile));
        foreach (var map in maps) AtomicFile.WriteAllBytes(Path.Combine(output, $"tsne_{map.Name}.png"), Charts.Map(map));
        return maps.Count;
    }

    static void Summarise(EvalReport report, string output, int pictures)
    {
        // Named as in the HTML report; the eval.json key last, for scripts.
        var table = Terminal.PlainTable("metric", "mean ± 95% (%)", "eval.json key");
        foreach (var (name, value) in report.Metrics.OrderBy(m => EvalMetrics.Order(m.Key)))
            table.AddPlainRow(EvalMetrics.Describe(name, report.Settings), value.ToString(), name);
        table.Columns[1].RightAligned();
        Terminal.Write(table);
        var times = Terminal.PlainTable("step", "seconds");
        foreach (var (step, seconds) in report.Seconds) times.AddPlainRow(step, seconds.ToString("F1"));
        times.Columns[1].RightAligned();
        Terminal.Write(times);
        string drawn = pictures > 0 ? $" and {pictures} t-SNE picture(s)" : "";
        AnsiConsole.MarkupLineInterpolated($"wrote [bold]{Path.Combine(output, "eval.json")}[/]{drawn}");
    }
}
