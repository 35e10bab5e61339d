using System.Diagnostics;
using TorchSharp;
using Uft.Data;
using Uft.Data.Augmentations;
using Uft.Method;
using Uft.Models;
using Uft.Pretrained;
using static TorchSharp.torch;

namespace Uft.Training;

/// <summary>Where training stands, for a progress bar. <see cref="Epochs"/> is 0 while a --minutes run's first epoch has
/// yet to choose them.</summary>
public sealed record TrainProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, double Lr, double ImagesPerSecond)
{
    /// <summary>The epochs, or "?" before a budget has chosen them.</summary>
    public string EpochsText => Epochs == 0 ? "?" : Epochs.ToString(System.Globalization.CultureInfo.InvariantCulture);

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
/// where a run stopped, and on cancellation finishes the current step, checkpoints it and returns. Three parts:
/// <see cref="TrainingSetup"/> builds what the run trains with, <see cref="TrainSteps"/> trains one epoch's steps, and
/// a <see cref="BudgetController"/> chooses a <c>--minutes</c> run's length; the config itself is never changed, only
/// replaced by the one with the length chosen.
/// </summary>
/// <param name="monitorFactory">Makes what is measured after each epoch (kNN, alignment, uniformity): Uft.Evaluation.TrainingMonitor.Create
/// as the CLI and <c>uft compare</c> pass it; null measures nothing, and then the config may name no monitor folders.</param>
/// <param name="budgetStartUtc">When a --minutes budget started: <c>uft finetune</c> passes its process's start, so the whole
/// command fits the budget; null: when <see cref="Train"/> is called.</param>
public sealed class Trainer(TrainConfig config, IProgress<TrainProgress>? progress = null, Action<string>? notice = null, EpochMonitorFactory? monitorFactory = null,
    DateTime? budgetStartUtc = null)
{
    // The injected NaN of UFT_FAULT=nan-loss, held for the process (see HeldScalar).
    static readonly Scalar NaN = double.NaN.ToScalar();
    // The frozen stages are written out, so config.json says what trained and a resume keeps it should the default change.
    readonly TrainConfig given = config.Validate() with { FreezeStages = config.FrozenStageCount };
    readonly Action<string> notice = notice ?? (_ => { });

    public RunFolder Run { get; } = new(Path.Combine(config.OutputRoot, config.Name));

    public TrainResult Train(bool resume = false, CancellationToken ct = default)
    {
        // One writer per run folder (RunLock): a second one stops here, before it reads its inputs. Every input is checked
        // before the run folder is created, and the setup notices wait until then, so bad input writes nothing and prints
        // only its error.
        using var writing = Run.BeginWriting();
        double before = budgetStartUtc is { } started ? Math.Max(0, (DateTime.UtcNow - started).TotalSeconds) : 0;
        var clock = Stopwatch.StartNew();
        using var s = TrainingSetup.Build(given, Run, resume, monitorFactory, ct);
        // The views cached are written out as well (the default gives way to fresh views where the cache would not fit).
        var c = given with { CachedViews = s.Cache?.Views ?? 0, RefreshViews = s.Cache?.Refresh ?? 0 };
        // A run with a budget and no length yet plans it after its first epoch; a resumed one keeps what config.json says.
        var budget = c.Epochs == 0
            ? new BudgetController(c.Minutes ?? throw new InvalidOperationException("a run of 0 epochs without --minutes"),
                () => before + clock.Elapsed.TotalSeconds, s.Loader.BatchesPerEpoch, s.Monitor.IsActive, () => s.Monitor.EstimateSeconds(s.Moco.QueryBackbone, ct))
            : null;
        if (budget is not null) s.Notices.Add($"--minutes {c.Minutes:G4}: the first epoch, which trains alike whatever the run's length, measures what an epoch costs; the epochs are chosen when it ends");
        if (c.Epochs > 0 && TrainConfig.TooFewEpochsToMix(c) is { } warning) s.Notices.Add(warning);
        Run.Prepare(c, resume);
        s.Replay?.Save(Run.ReplayList);
        foreach (var n in s.Notices) notice(n);

        int epoch = 0;
        long step = 0;
        PartialEpoch? partial = null;
        if (resume)
        {
            var (tensors, info, path) = Run.LoadNewestGoodCheckpoint(notice);
            Checkpoint.Restore(s.Moco, s.Optimizer, tensors, info);
            foreach (var t in tensors.Values) t.Dispose();
            (epoch, step, partial) = (info.Epoch, info.Step, info.Partial);
            Run.TruncateMetrics(epoch, info.Metrics);
            notice($"resumed from {path}: {epoch} of {(c.Epochs == 0 ? "the epochs --minutes will choose" : c.Epochs)} epochs done, step {step}");
        }
        var history = Run.ReadMetrics();
        for (; c.Epochs == 0 || epoch < c.Epochs; epoch++)
        {
            var (sums, stepSeconds) = TrainSteps(s, c, epoch, ref step, partial, ct);
            partial = null;
            if (ct.IsCancellationRequested) return Stopped(s, c, epoch, step, sums, history);
            if (budget?.AfterSteps(c, epoch + 1, stepSeconds.Sum()) is { } cut && cut.Epochs != c.Epochs)
            {
                notice($"--minutes {c.Minutes:G4}: the deadline ends the run with epoch {epoch + 1} of the {c.Epochs} planned (its steps took {stepSeconds.Sum():F1} s); " +
                       "config.json records both, so a rerun of it trains the same rates");
                c = cut;
                Run.SaveConfig(c);
            }
            double? measuredSeconds = null;
            (double?, double?, double?) measured = (null, null, null);
            try
            {
                Faults.Sleep("monitor");
                if (c.Measures(epoch + 1))
                {
                    var measuring = Stopwatch.StartNew();
                    measured = s.Monitor.Measure(s.Moco.QueryBackbone, epoch, ct);
                    measuredSeconds = measuring.Elapsed.TotalSeconds;
                }
            }
            // Ctrl-C during the monitor keeps the trained epoch: a resume runs no batch of it, only the monitor.
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return Stopped(s, c, epoch, step, sums, history);
            }
            var (knn, align, uniform) = measured;
            int n = Math.Max(1, sums.Trained);
            var m = new EpochMetrics(epoch + 1, step, sums.LossSum / n, s.Mixing is { MixedTermAlone: true } ? null : sums.PlainLossSum / n,
                s.Mixing is null ? null : sums.MixLossSum / n, s.Optimizer.LearningRate, sums.Images / Math.Max(1e-9, sums.Seconds), sums.Seconds,
                knn, align, uniform, sums.Skipped);
            // Checkpoint first, carrying the epoch's line: a kill between the two leaves a checkpoint whose line the
            // resume restores, never a line without its checkpoint.
            var saving = Stopwatch.StartNew();
            Save(s, c, epoch + 1, step, keep: true, metrics: m);
            Run.AppendMetrics(m);
            history.Add(m);
            if (budget is not null)
            {
                bool planning = c.Epochs == 0;
                // New cached views every R epochs cost a build per R epochs: the plan counts that share with each epoch.
                double refresh = s.Cache is { Refresh: > 0 } rc ? rc.BuildSeconds / rc.Refresh : 0;
                c = budget.AfterEpoch(c, epoch + 1, stepSeconds, saving.Elapsed.TotalSeconds + refresh, measuredSeconds);
                if (planning)
                {
                    notice(budget.Plan!.Describe());
                    if (TrainConfig.TooFewEpochsToMix(c) is { } few) notice(few);
                    Run.SaveConfig(c);
                }
            }
        }
        var skippedFiles = s.Cache?.Skipped ?? s.Loader.Skipped;
        if (skippedFiles.Count > 0)
            notice($"{skippedFiles.Count} files could not be decoded and were replaced by others: first {skippedFiles[0].Path} ({skippedFiles[0].Reason})");
        Run.SaveBackbone(s.Moco.QueryBackbone, s.Architecture);
        if (c.RecalibrateBn)
        {
            // The saved backbone reloads with plain BatchNorm whatever the training used (SplitBatchNorm).
            var (plain, _) = Backbones.Load(Run.BackboneFile);
            using (plain)
            {
                BatchNormRecalibration.Run(plain, s.Target.Items, new EvalTransform(c.ImageSize, s.Norm), s.Batch, ct);
                Run.SaveBackbone(plain, s.Architecture);
            }
            notice($"batch norm statistics re-estimated on {s.Target.Count} clean target images");
        }
        return new TrainResult(history, true, Run.Path, Run.BackboneFile);
    }

    /// <summary>The steps of <paramref name="epoch"/> (0-based), from the batch after <paramref name="step"/> where a run
    /// stopped part-way (the epoch order is fixed by the seed), continuing <paramref name="partial"/>'s sums so the epoch's
    /// mean loss is the uninterrupted one. Returns the epoch's sums and each step's seconds (from one step's end to the
    /// next: the wait for the loader counts); stops after the step in progress when <paramref name="ct"/> is cancelled.</summary>
    (PartialEpoch Sums, List<double> StepSeconds) TrainSteps(TrainingSetup s, TrainConfig c, int epoch, ref long step, PartialEpoch? partial, CancellationToken ct)
    {
        s.Optimizer.LearningRate = c.Schedule(s.Lr).At(epoch);
        TrainMode(s.Moco, c);
        var sums = partial ?? new PartialEpoch(0, 0, 0, 0, 0, 0, 0);
        int batches = s.Loader.BatchesPerEpoch, start = (int)(step - (long)epoch * batches);
        if (s.Cache is { } cache)
        {
            bool building = cache.Prepare(epoch, s.Moco.QueryBackbone, ct);
            if (ct.IsCancellationRequested) return (sums, []);
            if (building) notice($"view cache: built in {cache.BuildSeconds:F0} s");
        }
        var epochBatches = s.Cache?.Epoch(epoch, s.Loader.Order(epoch), batches, start) ?? s.Loader.Epoch(epoch, CancellationToken.None, start);
        var clock = Stopwatch.StartNew();
        double lossSum = sums.LossSum, plainSum = sums.PlainLossSum, mixSum = sums.MixLossSum, last = 0;
        int trained = sums.Trained, skipped = sums.Skipped, images = sums.Images;
        var stepSeconds = new List<double>();
        foreach (var b in epochBatches)
        {
            using var disposeBatch = b;
            using var scope = NewDisposeScope();
            var queueBackup = c.OnNonFinite == NonFinitePolicy.Skip ? (Keys: s.Moco.Queue.clone(), Ids: s.Moco.QueueIds.clone()) : default;
            long pointer = s.Moco.QueuePointer;
            s.Optimizer.ZeroGrad();
            // Indices number the target images, then the replay images after them: an id per image of the run.
            using var r = s.Moco.Step(b.Views[0].to(s.Device, non_blocking: true), b.Views[1].to(s.Device, non_blocking: true), RandomDraws.ForStep(c.Seed, step), s.Mixing, b.Indices);
            var lossTensor = Faults.At("nan-loss", step) ? r.Loss.mul(NaN) : r.Loss;
            double loss = lossTensor.item<float>();
            bool finite = double.IsFinite(loss);
            if (finite)
            {
                lossTensor.backward();
                finite = GradientsFinite(s.Moco);
            }
            if (finite)
            {
                s.Optimizer.Step();
                lossSum += loss; plainSum += double.IsNaN(r.PlainLoss) ? 0 : r.PlainLoss; mixSum += double.IsNaN(r.MixLoss) ? 0 : r.MixLoss;
                trained++;
            }
            else if (c.OnNonFinite == NonFinitePolicy.Stop)
                throw new UftException($"step {step} (epoch {epoch + 1}): the loss or a gradient is NaN/Inf; the last good checkpoint is kept in {Run.Checkpoints}. Lower --lr, or pass --skip-nonfinite to skip such batches");
            else
            {
                s.Moco.Queue.copy_(queueBackup.Keys);
                s.Moco.QueueIds.copy_(queueBackup.Ids);
                s.Moco.QueuePointer = pointer;
                skipped++;
                notice($"step {step}: NaN/Inf loss or gradient, batch skipped");
            }
            images += b.Count;
            step++;
            Faults.Sleep("step", step - 1);
            double now = clock.Elapsed.TotalSeconds;
            stepSeconds.Add(now - last);
            last = now;
            progress?.Report(new TrainProgress(epoch + 1, c.Epochs, (int)(step - (long)epoch * batches), batches,
                loss, s.Optimizer.LearningRate, (images - sums.Images) / now));
            if (ct.IsCancellationRequested) break;
        }
        return (new PartialEpoch(lossSum, plainSum, mixSum, trained, skipped, images, sums.Seconds + clock.Elapsed.TotalSeconds), stepSeconds);
    }

    /// <summary>Training mode as this run trains (the monitor leaves the model in eval mode): batch norm kept where the
    /// config keeps it, the frozen stages in eval mode again.</summary>
    static void TrainMode(MoCo moco, TrainConfig c)
    {
        moco.train();
        if (c.FreezesBn) FrozenBatchNorm.Apply(moco);
        moco.FreezeStages(c.FrozenStageCount);
    }

    // `last` every time; a kept epoch-NNNN copy every CheckpointEvery epochs and at the end, never for a part epoch.
    void Save(TrainingSetup s, TrainConfig c, int epochsDone, long step, bool keep, PartialEpoch? partial = null, EpochMetrics? metrics = null) =>
        Run.SaveCheckpoint(s.Moco, s.Optimizer,
            new CheckpointInfo { Epoch = epochsDone, Step = step, QueuePointer = s.Moco.QueuePointer, Seed = c.Seed, Partial = partial, Metrics = metrics },
            !keep ? 0 : epochsDone == c.Epochs ? 1 : c.CheckpointEvery);

    // Cancellation: checkpoint the epoch in progress with its sums so far, and return.
    TrainResult Stopped(TrainingSetup s, TrainConfig c, int epoch, long step, PartialEpoch sums, List<EpochMetrics> history)
    {
        Save(s, c, epoch, step, keep: false, sums);
        notice($"stopped at step {step} (epoch {epoch + 1}); checkpoint written. Continue with --resume");
        return new TrainResult(history, false, Run.Path, null);
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
