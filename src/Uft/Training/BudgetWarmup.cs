using System.Diagnostics;
using TorchSharp;
using Uft.Data;
using Uft.Method;
using Uft.Models;
using static TorchSharp.torch;

namespace Uft.Training;

/// <summary>
/// The warm-up behind <c>--minutes</c>: a few real training steps (loader, both views, forward, backward, optimizer) on
/// the run's own model and data, then everything is put back as it was, so a budgeted run trains exactly like a run
/// given the chosen epochs (a test pins this).
/// </summary>
public static class BudgetWarmup
{
    /// <summary>Write speed assumed for the per-epoch checkpoint when the timed probe write fails, in bytes a second.</summary>
    const double FallbackBytesPerSecond = 250e6;

    public static BudgetPlan Plan(TrainConfig config, MoCo moco, double lr, Loader loader, IEpochMonitor monitor, MixingOptions? mixing, Device device,
        Func<double> secondsSinceStart, CancellationToken ct)
    {
        double minutes = config.Minutes ?? throw new ArgumentException("no --minutes in the config", nameof(config));
        double timedSeconds = TimeBudget.TimedSecondsFor(minutes);
        var saved = Snapshot(moco);
        long pointer = moco.QueuePointer;
        double monitorSeconds, checkpointSeconds;
        List<double> intervals, headIntervals = [];
        try
        {
            // A throwaway optimizer: the run's own starts with empty momentum buffers, as it would without a warm-up.
            var optimizer = new MomentumSgd(moco.QueryParameters(), lr, config.Momentum, config.WeightDecay);
            Trainer.TrainMode(moco, config);
            intervals = TimeSteps(moco, optimizer, loader, mixing, device, config.Seed, timedSeconds, ct);
            if (config.HeadWarmup > 0)
            {
                // The head-only epochs' steps skip the backbone's backward: timed apart.
                moco.FreezeStages(FrozenStages.All);
                headIntervals = TimeSteps(moco, optimizer, loader, mixing, device, config.Seed, timedSeconds, ct);
            }
            monitorSeconds = monitor.EstimateSeconds(moco.QueryBackbone, ct);
            checkpointSeconds = TimeCheckpoint(Checkpoint.TrainingState(moco, optimizer), config);
        }
        finally
        {
            Restore(moco, saved);
            moco.QueuePointer = pointer;
        }
        double perHeadStep = headIntervals.Count > 0 ? TimeBudget.SteadyStepSeconds(headIntervals) : 0;
        // What was measured; the epochs and the measurements they bring are chosen from its per-epoch costs.
        var measured = new BudgetPlan(minutes, 1, secondsSinceStart(), TimeBudget.SteadyStepSeconds(intervals), loader.BatchesPerEpoch,
            checkpointSeconds, monitorSeconds, 0, intervals.Count, config.HeadWarmup, perHeadStep);
        int points = config.MonitorEvery == 0 ? TimeBudget.MonitorPointsFor(minutes, monitorSeconds) : TrainConfig.AutoMonitorPoints;
        int epochs = TimeBudget.EpochsFor(minutes, measured.SetupSeconds, measured.SecondsPerEpoch, monitorSeconds,
            monitor.IsActive ? config.MonitorEvery : null, config.HeadWarmup, measured.SecondsPerHeadEpoch, points);
        epochs = Math.Max(epochs, config.WarmupEpochs + 1);
        // Fewer automatic measurements than usual: their interval is written out, so the trainer, a re-plan and a resume keep it.
        int every = config.MonitorEvery == 0 && points < TrainConfig.AutoMonitorPoints ? TrainConfig.MonitorEveryFor(epochs, points) : config.MonitorEvery;
        return measured with { Epochs = epochs, MonitorEvery = every, MonitorCapped = every != config.MonitorEvery,
            Measurements = monitor.IsActive ? TimeBudget.Measurements(epochs, every) : 0 };
    }

    /// <summary>Real steps in the mode <paramref name="moco"/> is in: <see cref="TimeBudget.DiscardedSteps"/>, then as
    /// many as <see cref="TimeBudget.WantsAnotherStep"/> asks for; returns the timed intervals.</summary>
    static List<double> TimeSteps(MoCo moco, MomentumSgd optimizer, Loader loader, MixingOptions? mixing, Device device, int seed, double minSeconds,
        CancellationToken ct)
    {
        var stepEnds = new List<double>();
        int step = 0;
        var clock = Stopwatch.StartNew();
        bool More() => step < TimeBudget.DiscardedSteps ||
            TimeBudget.WantsAnotherStep(step - TimeBudget.DiscardedSteps, clock.Elapsed.TotalSeconds - stepEnds[TimeBudget.DiscardedSteps - 1], minSeconds);
        // A small set has fewer batches an epoch than the warm-up needs: go on into the next epoch's.
        for (int epoch = 0; More(); epoch++)
            foreach (var b in loader.Epoch(epoch, ct))
            {
                using var batch = b;
                using var scope = NewDisposeScope();
                optimizer.ZeroGrad();
                using var r = moco.Step(b.Views[0].to(device), b.Views[1].to(device), RandomDraws.ForStep(seed, step), mixing, b.Indices);
                r.Loss.backward();
                optimizer.Step();
                _ = r.Loss.item<float>();
                // From one step's end to the next: the wait for the loader counts, as it does in training.
                stepEnds.Add(clock.Elapsed.TotalSeconds);
                step++;
                if (!More()) break;
            }
        return stepEnds.Zip(stepEnds.Skip(1), (a, b) => b - a).Skip(TimeBudget.DiscardedSteps - 1).ToList();
    }

    /// <summary>Seconds one epoch's checkpoint takes, timed by writing one as the trainer does (serialise, fsync, SHA-256
    /// read-back, renames) into a hidden folder beside the run's, deleted at once. An assumed disk speed was wrong by
    /// 40% on this machine's disk (0.78 s assumed, ~0.46 s real for ResNet-18's 195 MB, 2026-12-01) and would be wrong
    /// the other way on a slow or network disk.</summary>
    static double TimeCheckpoint(Dictionary<string, Tensor> state, TrainConfig config)
    {
        string probe = Path.Combine(config.OutputRoot, $".{config.Name}.budget-probe");
        try
        {
            if (Directory.Exists(probe)) Directory.Delete(probe, recursive: true); // left by a run killed during its warm-up
            var clock = Stopwatch.StartNew();
            Checkpoint.Save(probe, state, new CheckpointInfo());
            return clock.Elapsed.TotalSeconds;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The run's own first checkpoint will say what is wrong with the disk, as it does without --minutes.
            return state.Values.Sum(t => t.NumberOfElements * t.ElementSize) / FallbackBytesPerSecond;
        }
        finally
        {
            try { if (Directory.Exists(probe)) Directory.Delete(probe, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    static Dictionary<string, Tensor> Snapshot(nn.Module module)
    {
        using var _ = no_grad();
        return module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
    }

    static void Restore(nn.Module module, Dictionary<string, Tensor> saved)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (name, tensor) in module.state_dict()) tensor.copy_(saved[name]);
        foreach (var t in saved.Values) t.Dispose();
    }
}
