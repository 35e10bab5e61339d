using System.ComponentModel;
using Spectre.Console.Cli;
using Uft.Training;

namespace Uft.Cli.Commands;

/// <summary>Options shared by `uft finetune` and `uft pretrain`. Unset options keep the config file's or the preset's value.</summary>
class TrainSettings : CommandSettings
{
    [CommandOption("-c|--config <FILE>")] [Description("JSON config file; options given here override it (default: none, the built-in defaults).")]
    public string? Config { get; init; }
    [CommandOption("--name <NAME>")] [Description("Run name: the run is written to <output>/<name>/ (default run).")]
    public string? Name { get; init; }
    [CommandOption("--output <DIR>")] [Description("Folder for run folders (default runs).")]
    public string? Output { get; init; }
    [CommandOption("--resume")] [Description("Continue the run in <output>/<name> from its newest good checkpoint (default off: start a new run).")]
    public bool Resume { get; init; }
    [CommandOption("--target <DIR>")] [Description("Unlabeled target images (any tree of images). Required.")]
    public string? Target { get; init; }
    [CommandOption("--backbone <NAME|FILE>")] [Description($"Backbone name (uft backbones) or a weights file (default {TrainConfig.DefaultBackbone}; {TrainConfig.DefaultScratchBackbone} from random weights).")]
    public string? Backbone { get; init; }
    [CommandOption("--epochs <N>")] [Description("Training epochs; with --resume, extends the run to N (default 200).")]
    public int? Epochs { get; init; }
    [CommandOption("--minutes <M>")] [Description("Training budget in minutes: the first epoch measures what an epoch costs and the run takes the epochs that end nearest the budget, ending sooner if it falls behind (default: off, --epochs decides).")]
    public double? Minutes { get; init; }
    [CommandOption("--batch-size <N>")] [Description("Images per step (default 256).")]
    public int? BatchSize { get; init; }
    [CommandOption("--image-size <PX>")] [Description("Training resolution in pixels (default 224, the size ImageNet backbones are used at: gains made at a smaller size did not hold there, docs/findings.md).")]
    public int? ImageSize { get; init; }
    [CommandOption("--crop-scale <MIN,MAX>")] [Description(CropScaleOption.Help)]
    public string? CropScale { get; init; }
    [CommandOption("--lr <LR>")] [Description("Learning rate (default: base lr x batch / 256, base lr 0.015 finetuning, 0.03 from random weights).")]
    public double? Lr { get; init; }
    [CommandOption("--momentum <M>")] [Description("SGD momentum (default 0.9).")]
    public double? Momentum { get; init; }
    [CommandOption("--weight-decay <WD>")] [Description("SGD weight decay (default 1e-4).")]
    public double? WeightDecay { get; init; }
    [CommandOption("--warmup-epochs <N>")] [Description("Epochs of linear learning-rate warm-up (default 0).")]
    public int? WarmupEpochs { get; init; }
    [CommandOption("--dim <N>")] [Description("Output dimension of the MLP head (default 128).")]
    public int? Dim { get; init; }
    [CommandOption("--queue-size <K>")] [Description("Negatives queue length (default 65536, capped at the number of images).")]
    public int? QueueSize { get; init; }
    [CommandOption("--key-momentum <M>")] [Description("Momentum of the key encoder (default 0.999).")]
    public double? KeyMomentum { get; init; }
    [CommandOption("--temperature <T>")] [Description("InfoNCE temperature (default 0.2).")]
    public double? Temperature { get; init; }
    [CommandOption("--bn-splits <N>")] [Description("SplitBatchNorm sub-batches when batch norm trains (from random weights, or with --bn train); 1 = plain BN (default 8).")]
    public int? BnSplits { get; init; }
    [CommandOption("--seed <N>")] [Description("Random seed (default 0).")]
    public int? Seed { get; init; }
    [CommandOption("--workers <N>")] [Description("Loader threads (default 0 = automatic).")]
    public int? Workers { get; init; }
    [CommandOption("--checkpoint-every <N>")] [Description("Keep a checkpoint every N epochs besides the last (default 10).")]
    public int? CheckpointEvery { get; init; }
    [CommandOption("--monitor-train <DIR>")] [Description("Labelled folder: kNN monitor memory bank (default none: no monitor).")]
    public string? MonitorTrain { get; init; }
    [CommandOption("--monitor-test <DIR>")] [Description("Labelled folder: kNN monitor queries (default none: no monitor).")]
    public string? MonitorTest { get; init; }
    [CommandOption("--monitor-every <N>")] [Description("Run the kNN monitor every N epochs; 0: about 4 times a run (default 1).")]
    public int? MonitorEvery { get; init; }
    [CommandOption("--skip-nonfinite [on|off]")] [Description("Skip a batch whose loss or gradient is NaN/Inf (default off: stop the run).")]
    public FlagValue<string>? SkipNonFinite { get; init; }
    [CommandOption("--recalibrate-bn [on|off]")] [Description("At the end, re-estimate BatchNorm statistics on clean target images (AdaBN) instead of keeping the training-time averages (default off).")]
    public FlagValue<string>? RecalibrateBn { get; init; }
    [CommandOption("--bn <MODE>")] [Description(BnMode.Help)]
    public string? Bn { get; init; }
    [CommandOption("--device <DEV>")] [Description("cpu, cuda or auto (default cpu).")]
    public string? Device { get; init; }
    [CommandOption("--keep-same-image-negatives [on|off]")] [Description("Keep a query's own older keys among its negatives as before they were masked (default off: masked out, as MoCo's loss defines).")]
    public FlagValue<string>? KeepSameImageNegatives { get; init; }
    [CommandOption("--cached-views <V>")] [Description("Keep V augmented views of each image as the frozen stages' feature maps, computed once; each step draws its query and key among them, so the frozen stages stop costing three passes a step (default 8 where stages are frozen and the views fit in half the memory, else fresh views; 0: fresh views every step, the paper's recipe; docs/training.md).")]
    public int? CachedViews { get; init; }
    [CommandOption("--refresh-views <R>")] [Description("With --cached-views: draw new views every R epochs (default 0: never).")]
    public int? RefreshViews { get; init; }
    [CommandOption("--freeze-stages <N>")] [Description("Keep the stem and the first N residual stages (0-3) as pretrained: no gradients, statistics kept; cheaper steps (default 3 for pretrained weights: only layer4 and the head train; 0: everything, as in the paper).")]
    public int? FreezeStages { get; init; }
    [CommandOption("--scale-blur [on|off]")] [Description("Scale the blur sigma range [[0.1, 2]] px by image size / 224 (default off: the same sigma at every size).")]
    public FlagValue<string>? ScaleBlur { get; init; }

    /// <summary>The options given on the command line, as the user typed them (--lr): the properties Spectre set.</summary>
    public IReadOnlyList<string> GivenOptions() =>
        GetType().GetProperties()
            .Select(p => (Attribute: p.GetCustomAttributes(typeof(CommandOptionAttribute), true).OfType<CommandOptionAttribute>().FirstOrDefault(), Value: p.GetValue(this)))
            .Where(p => p.Attribute is not null && p.Value is not (null or false or IFlagValue { IsSet: false }))
            .Select(p => "--" + p.Attribute!.LongNames[0]).ToList();

    /// <summary>
    /// Refuses, in one line naming the options as typed, what a resumed run was given that would change the settings it
    /// started with (<paramref name="saved"/>, its config.json): <paramref name="resolved"/> is the options given applied
    /// on top of those settings, so repeating the original command with --resume passes, and only a changed value is
    /// named. Where it is (--name, --output), how fast it runs (--workers, --device) and --epochs (to extend it) may change.
    /// </summary>
    public void CheckResume(Func<TrainConfig?, TrainConfig> resolve)
    {
        if (!Resume) return;
        var located = resolve(null);
        string file = new RunFolder(Path.Combine(located.OutputRoot, located.Name)).ConfigFile;
        if (!File.Exists(file)) return; // the runner says so in its one line
        var saved = TrainConfig.Load(file);
        if (Config is not null && Differences(saved, TrainConfig.Load(Config)).Count > 0)
            throw UftException.Usage($"--resume with --config {Config}: the run started with other values (its config.json), which a resumed run keeps; drop --config");
        CheckResume(saved, resolve(saved));
    }

    static List<string> Differences(TrainConfig a, TrainConfig b)
    {
        static System.Text.Json.Nodes.JsonObject Node(TrainConfig c) => System.Text.Json.JsonSerializer.SerializeToNode(
            c with { Name = "", OutputRoot = "", Epochs = 0, Workers = 0, Device = "" }, TrainConfig.Json)!.AsObject();
        var (x, y) = (Node(a), Node(b));
        return x.Select(kv => kv.Key).Union(y.Select(kv => kv.Key)).Where(k => !System.Text.Json.Nodes.JsonNode.DeepEquals(x[k], y[k])).ToList();
    }

    void CheckResume(TrainConfig saved, TrainConfig resolved)
    {
        var changed = Differences(saved, resolved);
        if (changed.Count == 0) return;
        var given = GivenOptions();
        // A setting changes through its own option, or through --preset or --config when those were given.
        var named = changed.Select(k => OptionOf(k)).Where(given.Contains).ToList();
        if (named.Count < changed.Count) named.AddRange(new[] { "--preset", "--config" }.Where(given.Contains));
        if (named.Count == 0) named = changed.Select(k => OptionOf(k)).ToList();
        throw UftException.Usage($"--resume with {string.Join(", ", named.Distinct())}: the run started with other values (its config.json), " +
            "which a resumed run keeps; drop them, or start a new run under another --name");
    }

    /// <summary>The option that sets a config.json key (camelCase), as typed.</summary>
    static string OptionOf(string key) => key switch
    {
        "freezeBn" => BnMode.Option,
        "cosineEpochs" => "--minutes",
        "maskSameImage" => "--keep-same-image-negatives",
        "onNonFinite" => "--skip-nonfinite",
        _ => "--" + string.Concat(key.Select(c => char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : c.ToString())),
    };

    /// <summary>Defaults, then the config file, then the preset, then the options given here.</summary>
    /// <param name="start">For --resume: the run's saved settings in place of the defaults and the config file.</param>
    public TrainConfig Resolve(string? preset, TrainConfig? start = null)
    {
        if (Epochs is not null && Minutes is not null && !Resume)
            throw UftException.Usage("--epochs and --minutes: give one; --minutes chooses the epochs that fit the budget");
        var c = start ?? (Config is null ? new TrainConfig() : TrainConfig.Load(Config));
        c = TrainConfig.ApplyPreset(c, preset ?? c.Preset);
        var resolved = c with
        {
            Name = Name ?? c.Name,
            OutputRoot = Output ?? c.OutputRoot,
            Target = Target ?? c.Target,
            Backbone = Backbone ?? c.Backbone,
            Epochs = Epochs ?? c.Epochs,
            BatchSize = BatchSize ?? c.BatchSize,
            ImageSize = ImageSize ?? c.ImageSize,
            CropScale = CropScaleOption.Parse(CropScale) ?? c.CropScale,
            Lr = Lr ?? c.Lr,
            Momentum = Momentum ?? c.Momentum,
            WeightDecay = WeightDecay ?? c.WeightDecay,
            WarmupEpochs = WarmupEpochs ?? c.WarmupEpochs,
            Dim = Dim ?? c.Dim,
            QueueSize = QueueSize ?? c.QueueSize,
            KeyMomentum = KeyMomentum ?? c.KeyMomentum,
            MaskSameImage = !Switch.Resolve(KeepSameImageNegatives, "--keep-same-image-negatives", !c.MaskSameImage),
            ScaleBlur = Switch.Resolve(ScaleBlur, "--scale-blur", c.ScaleBlur),
            FreezeStages = FreezeStages ?? c.FreezeStages,
            CachedViews = CachedViews ?? c.CachedViews,
            RefreshViews = RefreshViews ?? c.RefreshViews,
            Temperature = Temperature ?? c.Temperature,
            BnSplits = BnSplits ?? c.BnSplits,
            Seed = Seed ?? c.Seed,
            Workers = Workers ?? c.Workers,
            CheckpointEvery = CheckpointEvery ?? c.CheckpointEvery,
            MonitorTrain = MonitorTrain ?? c.MonitorTrain,
            MonitorTest = MonitorTest ?? c.MonitorTest,
            MonitorEvery = MonitorEvery ?? c.MonitorEvery,
            OnNonFinite = Switch.Resolve(SkipNonFinite, "--skip-nonfinite", c.OnNonFinite == NonFinitePolicy.Skip) ? NonFinitePolicy.Skip : NonFinitePolicy.Stop,
            Device = Device ?? c.Device,
            RecalibrateBn = Switch.Resolve(RecalibrateBn, "--recalibrate-bn", c.RecalibrateBn),
            FreezeBn = BnMode.Parse(Bn) ?? c.FreezeBn,
        };
        // A budget given here plans a new run's epochs; a resumed run keeps those its config.json records.
        return Minutes is { } minutes && start is null ? resolved.WithMinutes(minutes) : resolved with { Minutes = Minutes ?? resolved.Minutes };
    }
}

/// <summary>`uft finetune`: the method switches (replay, mixing) on top of the shared options.</summary>
sealed class FinetuneSettings : TrainSettings
{
    [CommandOption("--preset <PRESET>")] [Description("uft (replay + CutMix), naive, replay-only, mix-only or scratch (default uft).")]
    public string? Preset { get; init; }
    [CommandOption("--source <DIR>")] [Description("Source images to replay, e.g. a sample of ImageNet (default none: no replay).")]
    public string? Source { get; init; }
    [CommandOption("--replay-fraction <F>")] [Description("Share of the source set replayed, in (0, 1]] (default 0.1).")]
    public double? ReplayFraction { get; init; }
    [CommandOption("--replay-count <N>")] [Description("Number of source images replayed; overrides the fraction (default: set by the fraction).")]
    public int? ReplayCount { get; init; }
    [CommandOption("--mixing <KIND>")] [Description("cutmix, mixup or none (default cutmix).")]
    public string? Mixing { get; init; }
    [CommandOption("--mix-alpha <A>")] [Description("Beta(α, α) for the mixing ratio λ (default 1).")]
    public double? MixAlpha { get; init; }
    [CommandOption("--plain-weight <W>")] [Description("Weight of the plain MoCo term beside the mixed-query term: 1 the paper's sum, 0 the mixed term alone (default 1).")]
    public double? PlainWeight { get; init; }

    public TrainConfig ResolveFinetune(TrainConfig? start = null)
    {
        var c = Resolve(Preset, start);
        var mixing = Mixing?.ToLowerInvariant() switch
        {
            null => c.Mixing,
            "cutmix" => Training.Mixing.CutMix,
            "mixup" => Training.Mixing.MixUp,
            "none" => Training.Mixing.None,
            _ => throw Uft.UftException.Usage($"--mixing {Mixing}: choose cutmix, mixup or none"),
        };
        // A preset is what the run is recorded as: a --mixing that contradicts it would train one method under another's name.
        var method = MethodPreset.Get(c.Preset);
        bool presetMixes = method.Mixes;
        if (Mixing is not null && presetMixes && mixing == Training.Mixing.None)
            throw Uft.UftException.Usage($"--mixing none and --preset {c.Preset}: preset {c.Preset} mixes queries; for replay without mixing use --preset replay-only, for neither --preset naive");
        if (Mixing is not null && !presetMixes && mixing != Training.Mixing.None)
            throw Uft.UftException.Usage($"--mixing {Mixing} and --preset {c.Preset}: preset {c.Preset} mixes no queries; use --preset uft (with replay) or mix-only (without)");
        if (ReplayCount is not null && ReplayFraction is not null)
            throw Uft.UftException.Usage("--replay-count and --replay-fraction: give one (the count names the number of source images, the fraction their share)");
        bool presetClearsSource = !method.Replays;
        return c with
        {
            Source = presetClearsSource && Source is not null
                ? throw Uft.UftException.Usage($"--source: preset {c.Preset} replays no source data; drop --source or use --preset uft or replay-only")
                : Source ?? c.Source,
            ReplayFraction = ReplayFraction ?? c.ReplayFraction,
            ReplayCount = ReplayCount ?? c.ReplayCount,
            Mixing = mixing,
            MixAlpha = MixAlpha ?? c.MixAlpha,
            PlainWeight = PlainWeight ?? c.PlainWeight,
        };
    }
}
