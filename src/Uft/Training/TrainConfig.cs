using System.Text.Json;
using System.Text.Json.Serialization;

namespace Uft.Training;

/// <summary>How query images are mixed for the paper's mixed-query loss.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Mixing>))]
public enum Mixing { None, CutMix, MixUp }

/// <summary>What to do when the loss or a gradient is NaN/Inf.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NonFinitePolicy>))]
public enum NonFinitePolicy { Stop, Skip }

/// <summary>
/// Everything a MoCo pretraining or unsupervised-finetuning run needs, with the paper's defaults.
/// Presets (<see cref="Preset"/>) set the method switches; any field can still be overridden.
/// Serialised as the run's config.json, so a run is reproducible from its folder.
/// </summary>
public sealed record TrainConfig
{
    public const string DefaultBackbone = "resnet18-imagenet-sup", DefaultScratchBackbone = "resnet18";

    public string Name { get; init; } = "run";
    /// <summary>scratch (Unsup-T), naive, replay-only, mix-only, uft; or pretrain.</summary>
    public string Preset { get; init; } = "uft";
    /// <summary>Backbone name (see `uft backbones`) or a checkpoint/state-dict file.</summary>
    public string Backbone { get; init; } = DefaultBackbone;
    /// <summary>Start from random weights instead of the backbone's pretrained ones.</summary>
    public bool RandomInit { get; init; }
    public string Target { get; init; } = "";
    /// <summary>Source folder for sparse replay; null = no replay.</summary>
    public string? Source { get; init; }
    /// <summary>Fraction of the source set replayed (0, 1]; ignored when <see cref="ReplayCount"/> is set.</summary>
    public double ReplayFraction { get; init; } = 0.1;
    public int? ReplayCount { get; init; }
    public Mixing Mixing { get; init; } = Mixing.CutMix;
    public double MixAlpha { get; init; } = 1.0;
    /// <summary>The plain MoCo term's weight beside the mixed-query term (<c>--plain-weight</c>): 1 the paper's sum, 0 the
    /// mixed term alone.</summary>
    public double PlainWeight { get; init; } = 1.0;
    /// <summary>Reads config.json of runs started before <see cref="PlainWeight"/>, whose <c>plainLoss: false</c> meant
    /// weight 0, so such a run resumes as it started; never written.</summary>
    [JsonInclude, JsonPropertyName("plainLoss"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    bool? LegacyPlainLoss { get => null; init { if (value == false) PlainWeight = 0; } }

    /// <summary>Epochs to train; 0 with <see cref="Minutes"/>: chosen by the budget after the first epoch
    /// (<see cref="TimeBudget"/>), and config.json then records them.</summary>
    public int Epochs { get; init; } = 200;
    /// <summary>Training budget in minutes (<c>--minutes</c>), which plans the epochs of a run given none
    /// (<see cref="WithMinutes"/>); with <see cref="Epochs"/> set, a record of the budget that chose them.</summary>
    public double? Minutes { get; init; }

    /// <summary>This run under a budget of <paramref name="minutes"/>: its epochs are chosen when its first ends.</summary>
    public TrainConfig WithMinutes(double minutes) => this with { Minutes = minutes, Epochs = 0, CosineEpochs = null };
    public int BatchSize { get; init; } = 256;
    public int ImageSize { get; init; } = 224;
    /// <summary>The RandomResizedCrop's area fraction [min, max] (<c>--crop-scale</c>); null: MoCo v2's [0.2, 1]. A crop
    /// of area s magnifies objects by 1/√s, so a lower range trains at a small size on objects as large as whole images
    /// of a larger one show them (Touvron et al. 2019).</summary>
    public double[]? CropScale { get; init; }

    /// <summary>MoCo v2's augmentation at this run's crop scale and blur.</summary>
    public Data.Augmentations.MoCoV2Options Augmentation()
    {
        var o = CropScale is [var min, var max] ? new Data.Augmentations.MoCoV2Options(min, max) : new Data.Augmentations.MoCoV2Options();
        return ScaleBlur ? o.WithBlurScaledTo(ImageSize) : o;
    }

    /// <summary>What is wrong with <c>--crop-scale</c>, or null: two area fractions, 0 &lt; min ≤ max ≤ 1.</summary>
    internal static string? CropScaleError(double[]? scale) => scale is null || scale is [var min, var max] && min > 0 && min <= max && max <= 1 ? null
        : $"--crop-scale {string.Join(",", scale.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)))}: give two area fractions MIN,MAX with 0 < MIN <= MAX <= 1, e.g. 0.1,0.4 (MoCo v2: 0.2,1)";
    /// <summary>Learning rate; null = <see cref="BaseLr"/> x the batch used / 256 (<see cref="LrFor"/>).</summary>
    public double? Lr { get; init; }
    /// <summary>0.015 at batch 256 for finetuning, 0.03 for pretraining (MoCo v2).</summary>
    public double BaseLr { get; init; } = 0.015;
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 1e-4;
    public int WarmupEpochs { get; init; }
    /// <summary>The cosine's length where it is longer than the epochs trained: a --minutes run the deadline ended keeps
    /// the rates of the run it planned. Null: MoCo's cosine over <see cref="Epochs"/>.</summary>
    public int? CosineEpochs { get; init; }

    /// <summary>Reads config.json of runs that an earlier version's --minutes re-plan bent; never written. Such a run's
    /// curve cannot be expressed any more: it is refused by name rather than resumed on other rates.</summary>
    [JsonInclude, JsonPropertyName("cosineBends"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    JsonElement? LegacyCosineBends { get => null; init => bentByOldReplan = value is { ValueKind: JsonValueKind.Array } a && a.GetArrayLength() > 0; }
    readonly bool bentByOldReplan;

    /// <summary>The learning-rate schedule of this run at peak <paramref name="lr"/> (before a budget's plan, one whose
    /// first epoch trains at the rate any length gives it).</summary>
    public LrSchedule Schedule(double lr) => new(lr, CosineEpochs ?? Math.Max(Epochs, WarmupEpochs + 1), WarmupEpochs);

    public int Dim { get; init; } = 128;
    public int QueueSize { get; init; } = 65536;
    public double KeyMomentum { get; init; } = 0.999;
    /// <summary>Leave a query's own image out of its negatives (<see cref="Method.SameImageNegatives"/>).</summary>
    public bool MaskSameImage { get; init; } = true;
    /// <summary>Scale the blur σ range with <see cref="ImageSize"/>/224 (<see cref="Data.Augmentations.MoCoV2Options.WithBlurScaledTo"/>).</summary>
    public bool ScaleBlur { get; init; }
    public double Temperature { get; init; } = 0.2;
    /// <summary>SplitBatchNorm sub-batches standing in for shuffle-BN on one device; 1 = plain BN.</summary>
    public int BnSplits { get; init; } = 8;

    /// <summary>At the end, re-estimate BatchNorm statistics on clean target views (see <see cref="BatchNormRecalibration"/>).
    /// Off by default: on the demo set the ImageNet statistics served evaluation better than ones from 300 target images.</summary>
    public bool RecalibrateBn { get; init; }

    /// <summary>Batch norm keeps the pretrained backbone's statistics during finetuning (see <see cref="FrozenBatchNorm"/>)
    /// instead of MoCo's train-mode (split) batch norm. Null (the default): on when finetuning pretrained weights, off
    /// from random weights; false is the paper's train-mode batch norm (<c>--bn train</c>). On by default because at
    /// CPU budgets it is what made finetuning help on all three data sets measured (docs/results.md).</summary>
    public bool? FreezeBn { get; init; }

    /// <summary>Whether this run keeps the batch-norm statistics: <see cref="FreezeBn"/>, or by default when the weights are pretrained.</summary>
    [JsonIgnore]
    public bool FreezesBn => FreezeBn ?? !RandomInit;

    /// <summary>The stem and this many residual stages keep their pretrained weights and statistics
    /// (<see cref="Models.FrozenStages"/>); 0: everything trains; null: the default, <see cref="DefaultFreezeStages"/> for
    /// pretrained weights and 0 from random weights.</summary>
    public int? FreezeStages { get; init; }

    /// <summary>The frozen stages of a finetune from pretrained weights when none are asked for: the stem and layer1 to
    /// layer3, so only layer4 and the head train. In the budget study (bench/study/notebook.md, 15 minutes, four targets) this
    /// kept the features at 224 px far closer to the backbone as shipped than finetuning everything (BCubed precision
    /// 1-11 points higher there on every target) and gained more at a 112-px training size; at 32 px it gained half
    /// to three quarters of what finetuning everything did. --freeze-stages 0 finetunes everything, as the paper does.</summary>
    public const int DefaultFreezeStages = 3;

    /// <summary>What is wrong with <c>--freeze-stages <paramref name="stages"/></c>, or null: the one range rule that
    /// <c>uft finetune</c> and <c>uft compare</c> check.</summary>
    internal static string? FreezeStagesError(int? stages) => stages is null or (>= 0 and <= Models.FrozenStages.Max) ? null
        : $"--freeze-stages {stages}: must be 0 to {Models.FrozenStages.Max} (the stem with layer1 to layer3; layer4 and the head always train)";

    /// <summary>Views of each image whose frozen stages are computed once and kept (<see cref="ViewCache"/>,
    /// <c>--cached-views</c>); 0: every step augments and encodes a fresh query and key, the paper's recipe; null: the
    /// default, <see cref="CachedViewCount"/>. A run's config.json records the number it trained with.</summary>
    public int? CachedViews { get; init; }

    /// <summary>The cached views of a run that freezes stages and asks for none: the epochs at 224 px cost 2.4 times less
    /// (ucmerced, UFT). Provisional: at equal epochs naive was level with fresh views or above, UFT 0.8-1.3 points below
    /// on the 1-shot probe on ucmerced, and the equal-minutes test at 224 px is still to run (docs/study.md). Where the
    /// cache would not fit, the run takes fresh views instead and says so.</summary>
    public const int DefaultCachedViews = 8;

    /// <summary>The views this run caches: <see cref="CachedViews"/>, or by default <see cref="DefaultCachedViews"/> where
    /// stages are frozen and none from random weights or with every stage training.</summary>
    [JsonIgnore]
    public int CachedViewCount => CachedViews ?? (FrozenStageCount > 0 ? DefaultCachedViews : 0);
    /// <summary>Epochs between new cached views (<c>--refresh-views</c>); 0: the first views serve the whole run.</summary>
    public int RefreshViews { get; init; }

    /// <summary>The stages this run freezes: <see cref="FreezeStages"/>, or its default.</summary>
    [JsonIgnore]
    public int FrozenStageCount => FreezeStages ?? (RandomInit ? 0 : DefaultFreezeStages);

    /// <summary>Reads config.json of runs from before --head-warmup was removed (the budget study found it no help);
    /// never written. A run that trained with it is refused by name.</summary>
    [JsonInclude, JsonPropertyName("headWarmup"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    double? LegacyHeadWarmup { get => null; init => headWarmedUp = value > 0; }
    readonly bool headWarmedUp;

    public int Seed { get; init; } = 0;
    public int Workers { get; init; } = 0;
    public int CheckpointEvery { get; init; } = 10;
    /// <summary>Labelled folders for the kNN monitor (train = memory bank, test = queries); null = off.</summary>
    public string? MonitorTrain { get; init; }
    public string? MonitorTest { get; init; }
    /// <summary>Monitor every N epochs (and after the last); 0 = about <see cref="AutoMonitorPoints"/> times a run.</summary>
    public int MonitorEvery { get; init; } = 1;
    public NonFinitePolicy OnNonFinite { get; init; } = NonFinitePolicy.Stop;
    public string Device { get; init; } = "cpu";
    public string OutputRoot { get; init; } = "runs";

    /// <summary>The learning rate for the batch actually used, which is smaller than <see cref="BatchSize"/> on a small data set.</summary>
    public double LrFor(int batch) => Lr ?? LrSchedule.Scaled(BaseLr, batch);

    /// <summary>Mixed-query runs shorter than this did not beat naive finetuning in the budget study (bench/study/notebook.md, caltech101
    /// under the default: with 3-4 epochs UFT fell behind naive and, at 224 px, behind the backbone as shipped; with 13-16
    /// (15 minutes) and 40-45 (45 minutes) it was level with naive; with 100 it led naive's own 100-epoch twin at the training
    /// size by +1.1 / +3.1 / +2.8 on retrieval / BCubed P / 1-shot, one seed, as the whole-network calibration led at 100
    /// epochs). Half of those 100 is where the notice stops: between 45 and 100 epochs nothing was measured on caltech101.</summary>
    public const int FewEpochsToMix = 50;

    /// <summary>The notice for a mixing run of fewer than <see cref="FewEpochsToMix"/> epochs, else null.</summary>
    public static string? TooFewEpochsToMix(TrainConfig c) => c.Mixing == Mixing.None || c.Epochs >= FewEpochsToMix ? null :
        $"only {c.Epochs} epoch{(c.Epochs == 1 ? "" : "s")}: mixing runs this short did not lead naive finetuning in the budget study (docs/findings.md); " +
        $"give more {(c.Minutes is null ? "--epochs" : "--minutes")}, a smaller --image-size, or --preset naive";

    /// <summary>Monitor measurements in a run with <see cref="MonitorEvery"/> 0 (automatic): enough for a curve, few
    /// enough that a short run does not spend its budget measuring.</summary>
    public const int AutoMonitorPoints = 4;

    /// <summary>The monitor interval of an <paramref name="epochs"/>-epoch run with automatic monitoring, measuring about
    /// <paramref name="points"/> times (fewer under --minutes when measuring is dear: <see cref="TimeBudget.MonitorPointsFor"/>).</summary>
    public static int MonitorEveryFor(int epochs, int points = AutoMonitorPoints) => Math.Max(1, epochs / Math.Max(1, points));

    /// <summary><see cref="MonitorEvery"/>, with 0 resolved for this run's epochs.</summary>
    [JsonIgnore]
    public int MonitorInterval => MonitorEvery == 0 ? MonitorEveryFor(Epochs) : MonitorEvery;

    /// <summary>Whether the monitor measures after <paramref name="epoch"/> (1-based): every <see cref="MonitorInterval"/>
    /// epochs and after the last. Before a budget has chosen the epochs, only --monitor-every 1 measures the first.</summary>
    public bool Measures(int epoch) => Epochs == 0 ? MonitorEvery == 1 : epoch % MonitorInterval == 0 || epoch == Epochs;
    public bool UsesReplay => Source is not null;

    /// <summary>The method switches of a preset (<see cref="MethodPreset"/>) on top of <paramref name="c"/>.</summary>
    public static TrainConfig ApplyPreset(TrainConfig c, string preset) => MethodPreset.Get(preset).Apply(c);

    /// <summary>Checks every field; throws a one-line usage error naming the option and what to change.</summary>
    public TrainConfig Validate()
    {
        static void Require(bool ok, string message) { if (!ok) throw UftException.Usage(message); }
        var method = MethodPreset.Get(Preset);
        Require(!string.IsNullOrWhiteSpace(Target), "--target: missing; give the folder of target images");
        Require(Epochs > 0 || Epochs == 0 && Minutes is not null, $"--epochs {Epochs}: must be at least 1");
        Require(!bentByOldReplan, "config.json: cosineBends: a --minutes re-plan of an older uft bent this run's learning rate, which this version cannot reproduce; start the run again");
        Require(!headWarmedUp, "config.json: headWarmup: --head-warmup was removed (the budget study found it no help); start the run again without it");
        Require(CosineEpochs is null || CosineEpochs > Epochs && Epochs > 0, $"cosineEpochs {CosineEpochs}: must be more than epochs ({Epochs}); it is where a --minutes deadline left the cosine");
        Require(BatchSize >= 2, $"--batch-size {BatchSize}: must be at least 2 (contrastive learning needs negatives in the batch)");
        Require(ImageSize >= 16 && ImageSize <= 1024, $"--image-size {ImageSize}: must be between 16 and 1024 pixels");
        if (CropScaleError(CropScale) is { } cropError) throw UftException.Usage(cropError);
        Require(Lr is null || (Lr > 0 && double.IsFinite(Lr.Value)), $"--lr {Lr}: must be a positive number");
        Require(BaseLr > 0, $"base lr {BaseLr}: must be positive");
        Require(Momentum is >= 0 and < 1, $"--momentum {Momentum}: must be in [0, 1)");
        Require(WeightDecay >= 0, $"--weight-decay {WeightDecay}: must be 0 or more");
        Require(WarmupEpochs >= 0 && (WarmupEpochs < Epochs || Epochs == 0), $"--warmup-epochs {WarmupEpochs}: must be 0 or more and less than --epochs");
        Require(ReplayFraction is > 0 and <= 1, $"--replay-fraction {ReplayFraction}: must be in (0, 1], e.g. 0.1 for 10% of the source set");
        Require(ReplayCount is null or > 0, $"--replay-count {ReplayCount}: must be at least 1");
        Require(Source is not null || !method.Replays,
            $"--source: preset {Preset} replays source data; give --source <folder> or use --preset naive or mix-only");
        Require(MixAlpha > 0, $"--mix-alpha {MixAlpha}: must be positive (1 = uniform λ)");
        Require(PlainWeight >= 0 && !double.IsInfinity(PlainWeight), $"--plain-weight {PlainWeight}: must be 0 or more (1 = the paper's sum, 0 = the mixed term alone)");
        Require(Mixing != Mixing.None || PlainWeight == 1, $"--plain-weight {PlainWeight}: weighs the plain term against the mixed one; needs a mixing (--mixing cutmix or mixup)");
        Require(Dim > 0, $"--dim {Dim}: must be positive");
        Require(QueueSize > 0, $"--queue-size {QueueSize}: must be positive");
        Require(!(FreezeBn == true && RandomInit), "--bn keep: keeps pretrained batch-norm statistics, but this run starts from random weights; drop it");
        Require(KeyMomentum is >= 0 and < 1, $"--key-momentum {KeyMomentum}: must be in [0, 1), e.g. 0.999");
        if (FreezeStagesError(FrozenStageCount) is { } error) throw UftException.Usage(error);
        Require(FrozenStageCount == 0 || !RandomInit, $"--freeze-stages {FreezeStages}: freezes pretrained stages, but the backbone starts from random weights; drop it for pretraining");
        Require(CachedViews is null or 0 or >= 2, $"--cached-views {CachedViews}: give 2 or more views an image (a query and a key), or 0 for fresh views every step");
        Require(CachedViews is null or 0 || FrozenStageCount > 0, "--cached-views: keeps the frozen stages' output, but this run freezes none; give --freeze-stages 1 to 3 or drop --cached-views");
        Require(RefreshViews >= 0 && (RefreshViews == 0 || CachedViewCount > 0), $"--refresh-views {RefreshViews}: must be 0 (never) or more, and needs cached views (frozen stages, --cached-views not 0)");
        Require(Temperature > 0, $"--temperature {Temperature}: must be positive, e.g. 0.2");
        Require(BnSplits >= 1, $"--bn-splits {BnSplits}: must be at least 1 (1 = plain batch norm)");
        Require(Workers >= 0, $"--workers {Workers}: must be 0 (automatic) or more");
        Require(CheckpointEvery >= 1, $"--checkpoint-every {CheckpointEvery}: must be at least 1");
        Require(MonitorEvery >= 0, $"--monitor-every {MonitorEvery}: must be 0 (about {AutoMonitorPoints} times a run) or more");
        Require(Minutes is null || (Minutes > 0 && Minutes <= 60 * 24 * 30), $"--minutes {Minutes}: must be a positive number of minutes (the first epoch then chooses --epochs)");
        Require((MonitorTrain is null) == (MonitorTest is null), "--monitor-train and --monitor-test: give both or neither");
        Require(Device is "cpu" or "cuda" or "auto", $"--device {Device}: choose cpu, cuda or auto");
        Require(!string.IsNullOrWhiteSpace(Name) && Name.IndexOfAny(Path.GetInvalidFileNameChars()) < 0, $"--name {Name}: must be a plain folder name");
        return this;
    }

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Reads a JSON config file; unknown keys are an error that names them.</summary>
    public static TrainConfig Load(string path)
    {
        if (!File.Exists(path)) throw UftException.Usage($"{path}: config file not found");
        try
        {
            var options = new JsonSerializerOptions(Json) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };
            return JsonSerializer.Deserialize<TrainConfig>(File.ReadAllText(path), options)
                   ?? throw UftException.Usage($"{path}: empty config");
        }
        catch (JsonException e)
        {
            var unknown = System.Text.RegularExpressions.Regex.Match(e.Message, "property '([^']+)' could not be mapped");
            throw UftException.Usage(unknown.Success
                ? $"{path}: unknown key '{unknown.Groups[1].Value}'; the keys are the option names in camelCase (batchSize, epochs, ...), see docs/training.md"
                : $"{path}: not a valid config at {e.Path} (line {e.LineNumber + 1}); see docs/training.md for the keys");
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
