using System.Diagnostics;
using TorchSharp;
using Uft.Data;
using Uft.Data.Augmentations;
using Uft.Method;
using Uft.Models;
using Uft.Pretrained;
using static TorchSharp.torch;

namespace Uft.Training;

/// <summary>Where training stands, for a progress bar.</summary>
public sealed record TrainProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, double Lr, double ImagesPerSecond)
{
    /// <summary>"about 1h 21m left": the <paramref name="epochsLeft"/> epochs at the pace of the
    /// <paramref name="epochsTimed"/> that took <paramref name="timed"/> (from one epoch's end to another's, so setup
    /// does not count and the monitor's measurements and checkpoints do); null before any epoch was timed.</summary>
    public static string? TimeLeft(TimeSpan timed, int epochsTimed, int epochsLeft)
    {
        if (epochsTimed < 1 || epochsLeft < 1) return null;
        var left = TimeSpan.FromSeconds(Math.Round(timed.TotalSeconds / epochsTimed * epochsLeft));
        string text = left.TotalHours >= 1 ? $"{(int)left.TotalHours}h {left.Minutes}m" : left.TotalMinutes >= 1 ? $"{left.Minutes}m {left.Seconds}s" : $"{left.Seconds}s";
        return $"about {text} left";
    }
}

/// <summary>What one epoch measured: a line of the run's metrics.jsonl.</summary>
public sealed record EpochMetrics(int Epoch, long Step, double Loss, double? PlainLoss, double? MixLoss, double Lr,
    double ImagesPerSecond, double Seconds, double? Knn = null, double? Align = null, double? Uniform = null, int SkippedBatches = 0);

/// <summary>How a call to <see cref="Trainer.Train"/> ended.</summary>
public sealed record TrainResult(IReadOnlyList<EpochMetrics> Epochs, bool Completed, string RunFolder, string? BackboneFile);

/// <summary>
/// MoCo v2 pretraining or unsupervised finetuning (Li et al. 2021) from a <see cref="TrainConfig"/>: the target set plus
/// the sparse source replay subset, two MoCo v2 views per image, <see cref="MoCo"/> with the optional mixed-query loss,
/// momentum SGD on a cosine schedule. Writes metrics.jsonl, checkpoints every epoch (atomically), resumes exactly
/// where a run stopped, and on cancellation finishes the current step, checkpoints it and returns.
/// </summary>
/// <param name="monitorFactory">Makes what is measured after each epoch (kNN, alignment, uniformity): Uft.Evaluation.TrainingMonitor.Create
/// as the CLI and <c>uft compare</c> pass it; null measures nothing, and then the config may name no monitor folders.</param>
/// <param name="budgetStartUtc">When a --minutes budget started: <c>uft finetune</c> passes its process's start, so the whole
/// command fits the budget (its start took about 0.5 s of a 24-s test run, 2026-12-03); null: when <see cref="Train"/> is called.</param>
public sealed class Trainer(TrainConfig config, IProgress<TrainProgress>? progress = null, Action<string>? notice = null, EpochMonitorFactory? monitorFactory = null,
    DateTime? budgetStartUtc = null)
{
    // The injected NaN of UFT_FAULT=nan-loss, held for the process (see HeldScalar).
    static readonly Scalar NaN = double.NaN.ToScalar();
    // Not readonly: --minutes sets the epochs once the warm-up has measured a step. The frozen stages are written out,
    // so config.json says what trained and a resume keeps it should the default change.
    TrainConfig config = StagesWrittenOut(config.Validate());
    readonly Action<string> notice = notice ?? (_ => { });

    static TrainConfig StagesWrittenOut(TrainConfig c) => c with { FreezeStages = c.FrozenStageCount };

    public RunFolder Run { get; } = new(Path.Combine(config.OutputRoot, config.Name));

    public TrainResult Train(bool resume = false, CancellationToken ct = default)
    {
        // One writer per run folder (RunLock): a second one stops here, before it reads its inputs. Every input is checked
        // before the run folder is created, and the setup notices wait until then, so bad input writes nothing and prints
        // only its error.
        using var writing = Run.BeginWriting();
        double before = budgetStartUtc is { } started ? Math.Max(0, (DateTime.UtcNow - started).TotalSeconds) : 0;
        var clockStarted = Stopwatch.StartNew();
        double SinceStart() => before + clockStarted.Elapsed.TotalSeconds;
        var setup = new List<string>();
        var target = ImageFolder.Unlabeled(config.Target, ct: ct);
        if (target.Skipped.Count > 0) setup.Add(target.SkippedSummary()!);
        Run.CheckStart(resume);
        NativeRuntime.FlushDenormals();
        manual_seed(config.Seed);
        var items = target.Items.ToList();
        SourceReplay? replay = null;
        if (config.Source is not null)
        {
            replay = resume && File.Exists(Run.ReplayList) ? SourceReplay.Load(Run.ReplayList) : SampleReplay(setup.Add, ct);
            items.AddRange(replay.Items);
            setup.Add($"source replay: {replay.Items.Count} images of {config.Source} join the {target.Count} target images");
        }
        int batch = Math.Min(config.BatchSize, items.Count);
        double lr = config.LrFor(batch);
        if (batch < config.BatchSize)
            setup.Add($"batch size {config.BatchSize} is more than the {items.Count} images: using {batch}" + (config.Lr is null ? $", lr {lr:G3} ({config.BaseLr:G3} x {batch}/256)" : ""));
        int splits = SplitsFor(batch, config.BnSplits);
        if (config.FrozenStageCount > 0)
            setup.Add($"frozen: the stem and layer1{(config.FrozenStageCount > 1 ? $" to layer{config.FrozenStageCount}" : "")} keep their pretrained weights and statistics");
        if (config.FreezesBn) setup.Add("batch norm: the backbone's statistics are kept (--train-bn trains them, as in the paper)");
        else if (splits != config.BnSplits) setup.Add($"batch norm: {splits} sub-batch{(splits == 1 ? "" : "es")} of {batch / splits} images (asked {config.BnSplits}; each needs {MinImagesPerSplit} or more images and the batch must divide evenly)");
        var (queueSize, queueNotice) = MoCo.QueueSize(config.QueueSize, items.Count, batch);
        if (queueNotice is not null) setup.Add(queueNotice);
        var norms = InputNorm.ImageNet;
        var augmentation = config.ScaleBlur ? new MoCoV2Options().WithBlurScaledTo(config.ImageSize) : new MoCoV2Options();
        var views = new IViewTransform[] { new MoCoV2Augmentation(config.ImageSize, norms, augmentation), new MoCoV2Augmentation(config.ImageSize, norms, augmentation) };
        var loader = new Loader(items, views, new LoaderOptions(batch, Seed: config.Seed, Shuffle: true, DropLast: true, Workers: config.Workers));

        if (config.RandomInit && (File.Exists(config.Backbone) || Backbones.Find(config.Backbone).WeightsFile is not null))
            throw UftException.Usage($"--backbone {config.Backbone}: preset {config.Preset} starts from random weights; give an architecture without weights, e.g. --backbone resnet18");
        var device = Devices.Resolve(config.Device);
        string architecture = "";
        // SplitBatchNorm with 1 split too: plain batch norm that passes held Scalars (see HeldScalar).
        NormFactory norm = SplitBatchNorm.Factory(splits);
        using var moco = new MoCo(() =>
        {
            var (model, arch) = config.RandomInit ? (Backbones.Find(config.Backbone).Create(norm), config.Backbone) : Backbones.Load(config.Backbone, norm);
            architecture = arch;
            return model;
        }, new MoCoOptions(config.Dim, queueSize, config.KeyMomentum, config.Temperature, MaskSameImage: config.MaskSameImage));
        moco.to(device); // before the optimizer: moving a module replaces its parameters
        moco.FreezeStages(config.FrozenStageCount); // before the optimizer too: it trains what takes gradients
        var optimizer = new MomentumSgd(moco.QueryParameters(), lr, config.Momentum, config.WeightDecay);
        var mixing = config.Mixing == Mixing.None ? null
            : new MixingOptions(config.Mixing == Mixing.CutMix ? MixKind.CutMix : MixKind.MixUp, config.MixAlpha, config.PlainWeight);
        if (monitorFactory is null && config.MonitorTrain is not null)
            throw new ArgumentException("the config names monitor folders but the trainer was given no monitor (pass Uft.Evaluation.TrainingMonitor.Create)", nameof(config));
        var monitor = monitorFactory?.Invoke(config, norms, target.Items, ct) ?? NoMonitor.Instance;
        // A resumed run keeps the epochs its budget chose (config.json).
        BudgetPlan? plan = null;
        if (config.Minutes is not null && !resume)
        {
            plan = BudgetWarmup.Plan(config, moco, lr, loader, monitor, mixing, device, SinceStart, ct);
            assumedStep = plan.SecondsPerStep;
            // The budget chooses the curve anew: bends a reused config.json brings from another run do not apply.
            config = config with { Epochs = plan.Epochs, MonitorEvery = plan.MonitorEvery, CosineBends = null };
            setup.Add(plan.Describe());
        }
        if (KeyMomentumFromHorizon(moco, loader) is { } horizonNotice) setup.Add(horizonNotice);
        if (config.HeadEpochs > 0)
            setup.Add($"head warm-up: the first {config.HeadEpochs} of {config.Epochs} epochs train only the projection head, the backbone as pretrained");
        else if (config.HeadWarmup > 0)
            setup.Add($"--head-warmup {config.HeadWarmup:G3}: a one-epoch run leaves no epoch for the head alone; ignored");
        if (TrainConfig.TooFewEpochsToMix(config) is { } warning) setup.Add(warning);
        var schedule = config.Schedule(lr);
        Run.Prepare(config, resume);
        replay?.Save(Run.ReplayList);
        foreach (var n in setup) notice(n);

        int epoch = 0;
        long step = 0;
        PartialEpoch? partial = null;
        if (resume)
        {
            var (tensors, info, path) = Run.LoadNewestGoodCheckpoint(notice);
            Checkpoint.Restore(moco, optimizer, tensors, info);
            foreach (var t in tensors.Values) t.Dispose();
            (epoch, step, partial) = (info.Epoch, info.Step, info.Partial);
            Run.TruncateMetrics(epoch, info.Metrics);
            notice($"resumed from {path}: {epoch} of {config.Epochs} epochs done, step {step}");
        }
        var history = Run.ReadMetrics();
        var stepSeconds = new List<double>(); // a step of each whole-network epoch this process trained, for --minutes' checks
        List<double> checkpointSeconds = [], monitorSeconds = []; // and what each epoch's checkpoint and measurement took

        for (; epoch < config.Epochs; epoch++)
        {
            optimizer.LearningRate = schedule.At(epoch);
            TrainMode(moco, config, epoch);
            // An epoch stopped part-way continues its sums, so its mean loss is the uninterrupted one.
            var sums = partial ?? new PartialEpoch(0, 0, 0, 0, 0, 0, 0);
            partial = null;
            var clock = Stopwatch.StartNew();
            double lossSum = sums.LossSum, plainSum = sums.PlainLossSum, mixSum = sums.MixLossSum;
            int trained = sums.Trained, skipped = sums.Skipped, images = sums.Images;
            PartialEpoch SoFar() => new(lossSum, plainSum, mixSum, trained, skipped, images, sums.Seconds + clock.Elapsed.TotalSeconds);
            // A run stopped mid-epoch resumes at the batch after its last step (the epoch order is fixed by the seed).
            int start = (int)(step - (long)epoch * loader.BatchesPerEpoch);
            foreach (var b in loader.Epoch(epoch, CancellationToken.None, start))
            {
                using var disposeBatch = b;
                using var scope = NewDisposeScope();
                var queueBackup = config.OnNonFinite == NonFinitePolicy.Skip ? (Keys: moco.Queue.clone(), Ids: moco.QueueIds.clone()) : default;
                long pointer = moco.QueuePointer;
                optimizer.ZeroGrad();
                // Indices number the target images, then the replay images after them: an id per image of the run.
                using var r = moco.Step(b.Views[0].to(device, non_blocking: true), b.Views[1].to(device, non_blocking: true), RandomDraws.ForStep(config.Seed, step), mixing, b.Indices);
                var lossTensor = Faults.At("nan-loss", step) ? r.Loss.mul(NaN) : r.Loss;
                double loss = lossTensor.item<float>();
                bool finite = double.IsFinite(loss);
                if (finite)
                {
                    lossTensor.backward();
                    finite = GradientsFinite(moco);
                }
                if (finite)
                {
                    optimizer.Step();
                    lossSum += loss; plainSum += double.IsNaN(r.PlainLoss) ? 0 : r.PlainLoss; mixSum += double.IsNaN(r.MixLoss) ? 0 : r.MixLoss;
                    trained++;
                }
                else if (config.OnNonFinite == NonFinitePolicy.Stop)
                    throw new UftException($"step {step} (epoch {epoch + 1}): the loss or a gradient is NaN/Inf; the last good checkpoint is kept in {Run.Checkpoints}. Lower --lr, or pass --skip-nonfinite to skip such batches");
                else
                {
                    moco.Queue.copy_(queueBackup.Keys);
                    moco.QueueIds.copy_(queueBackup.Ids);
                    moco.QueuePointer = pointer;
                    skipped++;
                    notice($"step {step}: NaN/Inf loss or gradient, batch skipped");
                }
                images += b.Count;
                step++;
                Faults.Sleep("step", step - 1);
                progress?.Report(new TrainProgress(epoch + 1, config.Epochs, (int)(step - (long)epoch * loader.BatchesPerEpoch), loader.BatchesPerEpoch,
                    loss, optimizer.LearningRate, (images - sums.Images) / clock.Elapsed.TotalSeconds));
                if (ct.IsCancellationRequested) return Stopped(moco, optimizer, epoch, step, SoFar(), history);
            }
            var trainedSums = SoFar();
            if (plan is not null)
            {
                // A head-only epoch's steps skip the backbone's backward: only whole-network epochs time the steps to come.
                if (epoch >= config.HeadEpochs) stepSeconds.Add(trainedSums.Seconds / loader.BatchesPerEpoch);
                int first = ReplanEpoch(config);
                if (epoch >= first)
                {
                    var (perStep, from) = TimeBudget.RecentStepSeconds(stepSeconds);
                    schedule = CheckBudget(plan.WithMeasuredCosts(checkpointSeconds, monitorSeconds), schedule, epoch + 1, epoch == first, perStep,
                        config.HeadEpochs + from + 1, SinceStart(),
                        monitor.IsActive ? config.MonitorEvery : null, moco, loader);
                }
            }
            bool measure = (epoch + 1) % config.MonitorInterval == 0 || epoch + 1 == config.Epochs;
            (double?, double?, double?) measured = (null, null, null);
            try
            {
                Faults.Sleep("monitor");
                if (measure)
                {
                    var measuring = Stopwatch.StartNew();
                    measured = monitor.Measure(moco.QueryBackbone, epoch, ct);
                    monitorSeconds.Add(measuring.Elapsed.TotalSeconds);
                }
            }
            // Ctrl-C during the monitor keeps the trained epoch: a resume runs no batch of it, only the monitor.
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return Stopped(moco, optimizer, epoch, step, trainedSums, history);
            }
            var (knn, align, uniform) = measured;
            int n = Math.Max(1, trained);
            var m = new EpochMetrics(epoch + 1, step, lossSum / n, mixing is { MixedTermAlone: true } ? null : plainSum / n, mixing is null ? null : mixSum / n, optimizer.LearningRate,
                images / Math.Max(1e-9, trainedSums.Seconds), trainedSums.Seconds, knn, align, uniform, skipped);
            // Checkpoint first, carrying the epoch's line: a kill between the two leaves a checkpoint whose line the
            // resume restores, never a line without its checkpoint.
            var saving = Stopwatch.StartNew();
            Save(moco, optimizer, epoch + 1, step, keep: true, metrics: m);
            Run.AppendMetrics(m);
            checkpointSeconds.Add(saving.Elapsed.TotalSeconds);
            history.Add(m);
        }
        if (loader.Skipped.Count > 0)
            notice($"{loader.Skipped.Count} files could not be decoded and were replaced by others: first {loader.Skipped[0].Path} ({loader.Skipped[0].Reason})");
        Run.SaveBackbone(moco.QueryBackbone, architecture);
        if (config.RecalibrateBn)
        {
            // The saved backbone reloads with plain BatchNorm whatever the training used (SplitBatchNorm).
            var (plain, _) = Backbones.Load(Run.BackboneFile);
            using (plain)
            {
                BatchNormRecalibration.Run(plain, target.Items, new EvalTransform(config.ImageSize, norms), batch, ct);
                Run.SaveBackbone(plain, architecture);
            }
            notice($"batch norm statistics re-estimated on {target.Count} clean target images");
        }
        return new TrainResult(history, true, Run.Path, Run.BackboneFile);
    }

    /// <summary>The epoch (0-based) after which --minutes first checks its plan: the last whose learning rate is the same
    /// for any run length (the warm-up epochs rise to the peak whatever the length, and the cosine starts at it), or with
    /// --head-warmup the first that trains the whole network, whose steps are the ones the rest of the run takes. Such a
    /// run kept its first plan until CI's warm-up measured steps 2x slower than its epochs took and it ended at -18%
    /// (19.6 s of 24, 2026-12-03).</summary>
    static int ReplanEpoch(TrainConfig c) => Math.Max(c.WarmupEpochs, c.HeadEpochs);

    // The step time the plan in force assumed: the warm-up's, then each re-plan's.
    double assumedStep;

    /// <summary>--minutes' check of its plan once <paramref name="done"/> epochs have trained, the steps of epochs
    /// <paramref name="firstTimed"/> (1-based) to <paramref name="done"/> <paramref name="perStep"/> each on average
    /// (<see cref="TimeBudget.RecentStepSeconds"/>). The first check (after <see cref="ReplanEpoch"/>) takes the epochs
    /// that land nearest the budget, which leaves an ordinary run of that length: the warm-up's few seconds misjudged a
    /// 32-px step by 30-36% in the study. Later ones follow the machine's speed as it drifts (runs of the study landed 0.76-1.13
    /// of the budget without them, docs/training.md): they change the length only when the run is heading more than
    /// <see cref="BudgetPlan.DriftTolerance"/> off, and then the cosine continues from where it is. The schedule from here.</summary>
    LrSchedule CheckBudget(BudgetPlan plan, LrSchedule schedule, int done, bool first, double perStep, int firstTimed, double elapsed, int? monitorEvery, MoCo moco, Loader loader)
    {
        double budget = plan.Minutes * 60;
        if (!first && (done >= config.Epochs || Math.Abs(plan.Projected(done, config.Epochs, elapsed, perStep, monitorEvery) - budget) <= BudgetPlan.DriftTolerance * budget))
            return schedule;
        var (epochs, estimate) = plan.Replan(done, elapsed, perStep, monitorEvery, first ? done : done + 1);
        if (epochs == config.Epochs) return schedule;
        var stretched = schedule.Stretched(done, epochs);
        notice(plan.DescribeReplan(done, perStep, assumedStep, config.Epochs, epochs, estimate, stretched.Bends.Count > 0, firstTimed));
        assumedStep = perStep;
        if (TrainConfig.TooFewEpochsAfterReplan(config, epochs) is { } few) notice(few);
        // The head-only epochs trained stay what they were: config.json's share is restated for the new length, so a
        // resume and a rerun of it train the same epochs head-only (epochs >= done > HeadEpochs keeps the rounding exact).
        int head = config.HeadEpochs;
        config = config with { Epochs = epochs, CosineBends = stretched.Bends.Count > 0 ? stretched.Bends : null,
            HeadWarmup = head > 0 ? (double)head / epochs : config.HeadWarmup };
        if (config.HeadEpochs != head) throw new InvalidOperationException($"a re-plan to {epochs} epochs changed the head warm-up from {head} epochs to {config.HeadEpochs}");
        if (KeyMomentumFromHorizon(moco, loader) is { } momentumNotice) notice(momentumNotice);
        Run.SaveConfig(config);
        return stretched;
    }

    /// <summary>Sets the key momentum from --key-momentum-horizon, a share of the run's steps, once the epochs are known
    /// (after --minutes' warm-up, and again if it re-plans: the epochs before then ran with the first plan's); the notice, or null.</summary>
    string? KeyMomentumFromHorizon(MoCo moco, Loader loader)
    {
        if (config.KeyMomentumHorizon is not double horizon) return null;
        long steps = (long)config.Epochs * loader.BatchesPerEpoch;
        moco.Options = moco.Options with { Momentum = KeyMomentum.FromHorizon(horizon, steps) };
        // The warning goes where a user first sees such a momentum.
        return $"key momentum {moco.Options.Momentum:G4}: an EMA horizon of {horizon:G3} x {steps} steps" +
               (moco.Options.Momentum < KeyMomentum.WarnBelow
                   ? $"; below {KeyMomentum.WarnBelow.ToString(System.Globalization.CultureInfo.InvariantCulture)} the key encoder follows the query encoder too closely for a consistent queue (in the study {KeyMomentum.StudyFinding})" : "");
    }

    /// <summary>Training mode as this run trains <paramref name="epoch"/>: batch norm kept where the config keeps it,
    /// frozen stages left as they are, the whole backbone in the head-only epochs (<see cref="TrainConfig.HeadEpochs"/>).
    /// Without an epoch, the mode of the epochs after those: the --minutes warm-up times those steps.</summary>
    internal static void TrainMode(MoCo moco, TrainConfig config, int epoch = int.MaxValue)
    {
        moco.train();
        if (config.FreezesBn) FrozenBatchNorm.Apply(moco);
        moco.FreezeStages(epoch < config.HeadEpochs ? FrozenStages.All : config.FrozenStageCount);
    }

    // `last` every time; a kept epoch-NNNN copy every CheckpointEvery epochs and at the end, never for a part epoch.
    void Save(MoCo moco, MomentumSgd optimizer, int epochsDone, long step, bool keep, PartialEpoch? partial = null, EpochMetrics? metrics = null) =>
        Run.SaveCheckpoint(moco, optimizer,
            new CheckpointInfo { Epoch = epochsDone, Step = step, QueuePointer = moco.QueuePointer, Seed = config.Seed, Partial = partial, Metrics = metrics },
            !keep ? 0 : epochsDone == config.Epochs ? 1 : config.CheckpointEvery);

    // Cancellation: checkpoint the epoch in progress with its sums so far, and return.
    TrainResult Stopped(MoCo moco, MomentumSgd optimizer, int epoch, long step, PartialEpoch sums, List<EpochMetrics> history)
    {
        Save(moco, optimizer, epoch, step, keep: false, sums);
        notice($"stopped at step {step} (epoch {epoch + 1}); checkpoint written. Continue with --resume");
        return new TrainResult(history, false, Run.Path, null);
    }

    SourceReplay SampleReplay(Action<string> notice, CancellationToken ct)
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

    // One reduction over all gradients, so the check costs a single host sync per step.
    static bool GradientsFinite(MoCo moco)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var sums = moco.QueryParameters().Select(p => p.Parameter.grad).OfType<Tensor>().Select(g => g.sum()).ToList();
        return sums.Count == 0 || stack(sums).sum().isfinite().item<bool>();
    }
}
