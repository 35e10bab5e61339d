using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;
using Uft.Evaluation;
using Uft.Experiments;
using Uft.Training;

namespace Uft.Cli.Commands;

/// <summary>`uft compare`: arms (as shipped, naive, replay-only, mix-only, uft, scratch, bn-adapt) trained and evaluated
/// alike on one labelled train/test pair; results.md in the paper's layout and report.html. Reruns resume.</summary>
sealed class CompareCommand : Command<CompareCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--name <NAME>")] [Description("Comparison folder name: everything goes to <output>/<name>/ (default compare).")]
        public string Name { get; init; } = "compare";
        [CommandOption("--output <DIR>")] [Description("Folder for comparison folders (default runs).")]
        public string Output { get; init; } = "runs";
        [CommandOption("--backbone <NAME|FILE>")] [Description($"Backbone every arm starts from: a name (uft backbones) or a weights file (default {TrainConfig.DefaultBackbone}).")]
        public string Backbone { get; init; } = TrainConfig.DefaultBackbone;
        [CommandOption("--train <DIR>")] [Description("Labelled train folder: the unlabeled target set for finetuning, and the evaluations' train split. Required.")]
        public string Train { get; init; } = "";
        [CommandOption("--test <DIR>")] [Description("Labelled test folder with the same classes. Required.")]
        public string Test { get; init; } = "";
        [CommandOption("--source <DIR>")] [Description("Source images the replay arms (uft, replay-only) replay (default none; those arms then need it).")]
        public string? Source { get; init; }
        [CommandOption("--source-eval <DIR>")] [Description("Labelled source images (root/<class>/<image>, several a class) to measure forgetting on, e.g. ../shared/data/tiny-imagenet/train (default: --source, where it can measure it).")]
        public string? SourceEval { get; init; }
        [CommandOption("--replay-fraction <F>")] [Description("Share of the source set replayed, in (0, 1]] (default 0.1).")]
        public double ReplayFraction { get; init; } = 0.1;
        [CommandOption("--replay-count <N>")] [Description("Number of source images replayed; overrides the fraction (default: set by the fraction).")]
        public int? ReplayCount { get; init; }
        [CommandOption("--arms <LIST>")] [Description("Comma-separated: none, bn-adapt, naive, replay-only, mix-only, uft, scratch (default none,naive,uft).")]
        public string Arms { get; init; } = "none,naive,uft";
        [CommandOption("--mixing <KIND>")] [Description("cutmix or mixup for the mixing arms (default cutmix).")]
        public string Mixing { get; init; } = "cutmix";
        [CommandOption("--epochs <N>")] [Description("Finetuning epochs per arm (default 100).")]
        public int Epochs { get; init; } = 100;
        [CommandOption("--minutes <M>")] [Description("Training budget of each finetuned arm in minutes: its first epoch measures what an epoch costs and the arm takes the epochs that end nearest the budget (default: off, --epochs decides).")]
        public double? Minutes { get; init; }
        [CommandOption("--image-size <PX>")] [Description("Training and evaluation resolution in pixels (default: --eval-size, the size the backbone is used at; gains made at a smaller size did not hold there, docs/findings.md).")]
        public int? ImageSize { get; init; }
        [CommandOption("--crop-scale <MIN,MAX>")] [Description(CropScaleOption.Help)]
        public string? CropScale { get; init; }
        [CommandOption("--eval-size <PX>")] [Description("The size the backbone will be used at: the arms train at it unless --image-size says otherwise, and are evaluated at it (and at --image-size when that differs); 0: the training size only (default 224, what ImageNet backbones are made for).")]
        public int EvalSize { get; init; } = 224;
        [CommandOption("--fixmatch-steps <N>")] [Description("Also run FixMatch (Semi-K, K from --shots) for N steps per trial on every arm (default: off).")]
        public int? FixMatchSteps { get; init; }
        [CommandOption("--batch-size <N>")] [Description("Finetuning batch size (default 64).")]
        public int BatchSize { get; init; } = 64;
        [CommandOption("--lr <LR>")] [Description("Finetuning learning rate (default: 0.015 x batch / 256; 0.03 x batch / 256 for scratch).")]
        public double? Lr { get; init; }
        [CommandOption("--seed <N>")] [Description("Seeds training (default 0).")]
        public int Seed { get; init; }
        [CommandOption("--eval-seed <N>")] [Description("Seeds the evaluations' draws (K-shot images, K-means starts, t-SNE), the same for every arm so that their figures pair draw by draw (default 0).")]
        public int EvalSeed { get; init; }
        [CommandOption("--shots <LIST>")] [Description("K labels a class for the K-shot evaluations (default 1,2,4,8).")]
        public string Shots { get; init; } = "1,2,4,8";
        [CommandOption("--trials <N>")] [Description("K-shot linear probe: random draws of the K labelled images per K (default: as many as bring the standard error of the mean to 0.3 points, 20 to 400).")]
        public int? Trials { get; init; }
        [CommandOption("--kmeans-seeds <N>")] [Description("K-means runs from N seeds, each the best of 10 restarts; clustering figures are their mean (default: as many as bring the standard error of the mean to 0.3 points, 20 to 400).")]
        public int? KMeansSeeds { get; init; }
        [CommandOption("--kshot-epochs <N>")] [Description("Run the paper's K-shot finetune (new FC + whole network) for N epochs (default: linear probe only).")]
        public int? KShotEpochs { get; init; }
        [CommandOption("--kshot-trials <N>")] [Description("Trials per K of the K-shot finetune and FixMatch, each of which trains the network (default 3).")]
        public int KShotTrials { get; init; } = 3;
        [CommandOption("--bn <MODE>")] [Description(BnMode.Help)]
        public string? Bn { get; init; }
        [CommandOption("--cached-views <V>")] [Description("Finetuning arms keep V views of each image as the frozen stages' maps, computed once (default 8 where stages are frozen and they fit in memory; 0: fresh views every step; see uft finetune --help).")]
        public int? CachedViews { get; init; }
        [CommandOption("--refresh-views <R>")] [Description("With --cached-views: new views every R epochs (default 0: never).")]
        public int RefreshViews { get; init; }
        [CommandOption("--freeze-stages <N>")] [Description("Finetuning arms keep the stem and the first N residual stages (0-3) as pretrained (default 3: only layer4 and the head train; 0: everything, as in the paper).")]
        public int? FreezeStages { get; init; }
        [CommandOption("--tsne-points <N>")] [Description("Points per t-SNE picture (default 1000).")]
        public int TSnePoints { get; init; } = 1000;
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        int[] shots;
        try { shots = s.Shots.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray(); }
        catch (FormatException) { throw UftException.Usage($"--shots {s.Shots}: give numbers separated by commas, e.g. 1,2,4,8"); }
        if (s.Epochs < 1) throw UftException.Usage($"--epochs {s.Epochs}: must be at least 1");
        if (s.Minutes is { } m && !(m > 0)) throw UftException.Usage($"--minutes {m}: must be a positive number of minutes");
        var mixing = s.Mixing.ToLowerInvariant() switch
        {
            "cutmix" => Mixing.CutMix,
            "mixup" => Mixing.MixUp,
            _ => throw UftException.Usage($"--mixing {s.Mixing}: choose cutmix or mixup"),
        };
        var config = new ComparisonConfig
        {
            Name = s.Name, OutputRoot = s.Output, Backbone = s.Backbone, Train = s.Train, Test = s.Test, Source = s.Source, SourceEval = s.SourceEval,
            ReplayFraction = s.ReplayFraction, ReplayCount = s.ReplayCount, Mixing = mixing,
            Arms = s.Arms.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Epochs = s.Epochs, Minutes = s.Minutes, ImageSize = s.ImageSize ?? ComparisonConfig.UseSize(s.EvalSize), CropScale = CropScaleOption.Parse(s.CropScale), EvalSize = s.EvalSize, BatchSize = s.BatchSize, Lr = s.Lr, Seed = s.Seed, FreezeBn = BnMode.Parse(s.Bn), FreezeStages = s.FreezeStages, CachedViews = s.CachedViews, RefreshViews = s.RefreshViews,
            Eval = new EvalOptions
            {
                ProbeShots = shots, ProbeTrials = s.Trials, ClusteringSeeds = s.KMeansSeeds, TSnePoints = s.TSnePoints, LinearProbe = false, Seed = s.EvalSeed,
                KShot = s.KShotEpochs is int e ? new KShotOptions { Shots = shots, Trials = s.KShotTrials, Epochs = e, Seed = s.EvalSeed } : null,
                FixMatch = s.FixMatchSteps is int steps ? new FixMatchOptions { Shots = shots, Trials = s.KShotTrials, Steps = steps, Seed = s.EvalSeed } : null,
            },
        };
        var clock = Stopwatch.StartNew();
        using var interrupt = new Interrupt(cancellationToken);
        var results = DemoCommand.RunWithProgress(config, interrupt.Token);
        DemoCommand.WriteTables(config, results);
        AnsiConsole.MarkupLine($"results: [bold]{Markup.Escape(Path.Combine(config.Folder, "results.md"))}[/]  report: [bold]{Markup.Escape(Path.Combine(config.Folder, "report.html"))}[/]  total {clock.Elapsed:h\\:mm\\:ss}");
        return 0;
    }
}
