using TorchSharp;
using Uft.Data;
using Uft.Data.Augmentations;
using Uft.Method;
using Uft.Models;
using Uft.Pretrained;
using static TorchSharp.torch;

namespace Uft.Training;

/// <summary>
/// What a run trains with, built from its config before the first step: the target images and the sparse source replay,
/// the two-view loader, <see cref="MoCo"/> on its device with the frozen stages, the optimizer, the mixing and the
/// monitor; with the notices a user should read before training starts. Every input is checked here, before the run
/// folder is written. Owns the model.
/// </summary>
sealed class TrainingSetup : IDisposable
{
    public required MoCo Moco { get; init; }
    public required MomentumSgd Optimizer { get; init; }
    public required Loader Loader { get; init; }
    /// <summary>The frozen stages' maps of each image's views (<c>--cached-views</c>), or null: fresh pixels every step.</summary>
    public required ViewCache? Cache { get; init; }
    public required MixingOptions? Mixing { get; init; }
    public required IEpochMonitor Monitor { get; init; }
    public required Device Device { get; init; }
    public required ImageFolder Target { get; init; }
    public required SourceReplay? Replay { get; init; }
    public required InputNorm Norm { get; init; }
    /// <summary>The peak learning rate for the batch used.</summary>
    public required double Lr { get; init; }
    public required int Batch { get; init; }
    public required string Architecture { get; init; }
    public required List<string> Notices { get; init; }

    public void Dispose()
    {
        Cache?.Dispose();
        Moco.Dispose();
    }

    public static TrainingSetup Build(TrainConfig config, RunFolder run, bool resume, EpochMonitorFactory? monitorFactory, CancellationToken ct)
    {
        var notices = new List<string>();
        var target = ImageFolder.Unlabeled(config.Target, ct: ct);
        if (target.Skipped.Count > 0) notices.Add(target.SkippedSummary()!);
        run.CheckStart(resume);
        NativeRuntime.FlushDenormals();
        manual_seed(config.Seed);
        var items = target.Items.ToList();
        SourceReplay? replay = null;
        if (config.Source is not null)
        {
            replay = resume && File.Exists(run.ReplayList) ? SourceReplay.Load(run.ReplayList) : SampleReplay(config, notices.Add, ct);
            items.AddRange(replay.Items);
            notices.Add($"source replay: {replay.Items.Count} images of {config.Source} join the {target.Count} target images");
        }
        int batch = Math.Min(config.BatchSize, items.Count);
        double lr = config.LrFor(batch);
        if (batch < config.BatchSize)
            notices.Add($"batch size {config.BatchSize} is more than the {items.Count} images: using {batch}" + (config.Lr is null ? $", lr {lr:G3} ({config.BaseLr:G3} x {batch}/256)" : ""));
        int splits = SplitsFor(batch, config.BnSplits);
        if (config.FrozenStageCount > 0)
            notices.Add($"frozen: the stem and layer1{(config.FrozenStageCount > 1 ? $" to layer{config.FrozenStageCount}" : "")} keep their pretrained weights and statistics");
        if (config.FreezesBn) notices.Add("batch norm: the backbone's statistics are kept (--bn train trains them, as in the paper)");
        else if (splits != config.BnSplits) notices.Add($"batch norm: {splits} sub-batch{(splits == 1 ? "" : "es")} of {batch / splits} images (asked {config.BnSplits}; each needs {MinImagesPerSplit} or more images and the batch must divide evenly)");
        var (queueSize, queueNotice) = MoCo.QueueSize(config.QueueSize, items.Count, batch);
        if (queueNotice is not null) notices.Add(queueNotice);
        var norm = InputNorm.ImageNet;
        var augmentation = config.Augmentation();
        var views = new IViewTransform[] { new MoCoV2Augmentation(config.ImageSize, norm, augmentation), new MoCoV2Augmentation(config.ImageSize, norm, augmentation) };
        var loader = new Loader(items, views, new LoaderOptions(batch, Seed: config.Seed, Shuffle: true, DropLast: true, Workers: config.Workers));

        if (config.RandomInit && (File.Exists(config.Backbone) || Backbones.Find(config.Backbone).WeightsFile is not null))
            throw UftException.Usage($"--backbone {config.Backbone}: preset {config.Preset} starts from random weights; give an architecture without weights, e.g. --backbone resnet18");
        if (monitorFactory is null && config.MonitorTrain is not null)
            throw new ArgumentException("the config names monitor folders but the trainer was given no monitor (pass Uft.Evaluation.TrainingMonitor.Create)", nameof(config));
        var device = Devices.Resolve(config.Device);
        string architecture = "";
        // SplitBatchNorm with 1 split too: plain batch norm that passes held Scalars (see HeldScalar).
        NormFactory norms = SplitBatchNorm.Factory(splits);
        var moco = new MoCo(() =>
        {
            var (model, arch) = config.RandomInit ? (Backbones.Find(config.Backbone).Create(norms), config.Backbone) : Backbones.Load(config.Backbone, norms);
            architecture = arch;
            return model;
        }, new MoCoOptions(config.Dim, queueSize, config.KeyMomentum, config.Temperature, MaskSameImage: config.MaskSameImage));
        try
        {
            moco.to(device); // before the optimizer: moving a module replaces its parameters
            moco.FreezeStages(config.FrozenStageCount); // before the optimizer too: it trains what takes gradients
            var cache = config.CachedViewCount == 0 ? null : CacheFor(config, items, views[0], moco.QueryBackbone, batch, notices);
            moco.ViewStage = cache?.Stages ?? 0; // the steps are given the cache's maps, not images
            return new TrainingSetup
            {
                Moco = moco, Loader = loader, Cache = cache, Device = device, Target = target, Replay = replay, Norm = norm, Lr = lr, Batch = batch,
                Architecture = architecture, Notices = notices,
                Optimizer = new MomentumSgd(moco.QueryParameters(), lr, config.Momentum, config.WeightDecay),
                Mixing = config.Mixing == Training.Mixing.None ? null
                    : new MixingOptions(config.Mixing == Training.Mixing.CutMix ? MixKind.CutMix : MixKind.MixUp, config.MixAlpha, config.PlainWeight),
                Monitor = monitorFactory?.Invoke(config, norm, target.Items, ct) ?? NoMonitor.Instance,
            };
        }
        catch
        {
            moco.Dispose();
            throw;
        }
    }

    // The cache, once it is known to fit: at most half the memory the runtime may use, so training keeps room. One asked
    // for that does not fit is refused; the default one gives way to fresh views (null), with a notice.
    static ViewCache? CacheFor(TrainConfig c, List<ImageItem> items, IViewTransform view, ResNet backbone, int batch, List<string> notices)
    {
        int views = c.CachedViewCount;
        long bytes = ViewCache.BytesFor(items.Count, views, ViewCache.ElementsPerView(backbone, c.FrozenStageCount, c.ImageSize));
        long available = Faults.Memory(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
        string size = Gigabytes(bytes), stages = c.FrozenStageCount == 1 ? "layer1" : $"layer1-{c.FrozenStageCount}";
        string tooLarge = $"{views} views of {items.Count} images at {c.ImageSize} px need {size} of memory, more than half of the {Gigabytes(available)} here";
        if (bytes > available / 2)
        {
            if (c.CachedViews is not null)
                throw UftException.Usage($"--cached-views {views}: {tooLarge}; give fewer views or a smaller --image-size, or --cached-views 0");
            notices.Add($"view cache: {tooLarge}; every step takes fresh views instead (slower epochs; --cached-views 2 to {views - 1} caches fewer)");
            return null;
        }
        notices.Add($"view cache: {views} views of each of the {items.Count} images through the stem and {stages}, kept as fp16 ({size}) and built before the first step; " +
                    $"each step draws its query and key among them{(c.RefreshViews > 0 ? $", new views every {c.RefreshViews} epochs" : "")} (--cached-views 0: fresh views every step, the paper's recipe)");
        return new ViewCache(items, view, views, c.FrozenStageCount, c.RefreshViews, c.Seed, batch, c.Workers);
    }

    static string Gigabytes(long bytes) => bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):F1} GB"
        : bytes >= 1L << 20 ? $"{bytes / (double)(1L << 20):F0} MB" : $"{bytes / 1024.0:F0} KB";

    static SourceReplay SampleReplay(TrainConfig config, Action<string> notice, CancellationToken ct)
    {
        var source = ImageFolder.Unlabeled(config.Source!, ct: ct);
        if (source.Skipped.Count > 0) notice(source.SkippedSummary()!);
        return SourceReplay.Sample(source.Items, config.Seed, config.ReplayFraction, config.ReplayCount);
    }

    /// <summary>Fewest images per BN sub-batch: smaller ones give statistics too noisy for the running averages that
    /// evaluation uses (4 images a split cost a pretrained ResNet 6-20 points of retrieval within one epoch; a split of
    /// one image even gives a NaN running variance where the feature map is 1x1).</summary>
    public const int MinImagesPerSplit = 32;

    /// <summary>The largest number of BN sub-batches, at most <paramref name="wanted"/>, that divides the batch and keeps
    /// at least <see cref="MinImagesPerSplit"/> images in each.</summary>
    public static int SplitsFor(int batch, int wanted)
    {
        for (int s = Math.Min(wanted, batch / MinImagesPerSplit); s > 1; s--)
            if (batch % s == 0) return s;
        return 1;
    }
}
