namespace Uft.Training;

/// <summary>
/// What a short warm-up measured and the number of epochs that fits a budget in minutes (<c>--minutes</c>). The run's
/// length is chosen before training and checked again from the measured time of the epochs trained (<see cref="Replan"/>):
/// after the first epoch whose learning rate does not depend on the run's length, where any change of length leaves an
/// ordinary run of the new length; and after every later epoch, where the run changes its length only when it would end
/// more than <see cref="DriftTolerance"/> of the budget off, its cosine continuing from the rate it had
/// (<see cref="LrSchedule.Stretched"/>).
/// </summary>
/// <param name="Minutes">The budget asked for.</param>
/// <param name="Epochs">The epochs chosen.</param>
/// <param name="SetupSeconds">Spent before training (reading folders, loading the backbone, the warm-up itself).</param>
/// <param name="SecondsPerStep">A measured step (loader, forward, backward, optimizer): <see cref="TimeBudget.SteadyStepSeconds"/> of <paramref name="WarmupSteps"/> timed steps.</param>
/// <param name="StepsPerEpoch">Batches an epoch.</param>
/// <param name="SecondsPerEpochExtra">Per epoch besides the steps: writing the checkpoint (one timed write).</param>
/// <param name="SecondsPerMonitor">One monitor measurement (kNN, alignment, uniformity), estimated from a measured forward pass.</param>
/// <param name="Measurements">Monitor measurements the run makes with this many epochs.</param>
/// <param name="WarmupSteps">Steps timed.</param>
/// <param name="HeadShare">--head-warmup: the share of the epochs that train only the head (0: none).</param>
/// <param name="SecondsPerHeadStep">A measured head-only step (no backward through the backbone); 0 without a head warm-up.</param>
/// <param name="MonitorEvery">The run's --monitor-every: as asked, or under automatic monitoring the interval that keeps the
/// measurements within <see cref="TimeBudget.MonitorShare"/> of the budget (0: automatic as usual).</param>
/// <param name="MonitorCapped">True when that interval was chosen here, fewer measurements than automatic monitoring makes.</param>
public sealed record BudgetPlan(double Minutes, int Epochs, double SetupSeconds, double SecondsPerStep, int StepsPerEpoch,
    double SecondsPerEpochExtra, double SecondsPerMonitor, int Measurements, int WarmupSteps, double HeadShare = 0, double SecondsPerHeadStep = 0,
    int MonitorEvery = 0, bool MonitorCapped = false)
{
    /// <summary>A whole-network epoch: its steps and its checkpoint.</summary>
    public double SecondsPerEpoch => SecondsPerStep * StepsPerEpoch + SecondsPerEpochExtra;

    /// <summary>A head-only epoch of --head-warmup: its steps and its checkpoint.</summary>
    public double SecondsPerHeadEpoch => SecondsPerHeadStep * StepsPerEpoch + SecondsPerEpochExtra;

    /// <summary>The run's expected length in seconds, setup included.</summary>
    public double EstimatedSeconds => TimeBudget.Seconds(Epochs, SetupSeconds, SecondsPerEpoch, SecondsPerMonitor, Measurements, HeadShare, SecondsPerHeadEpoch);

    /// <summary>True when even one epoch overruns the budget by more than the tolerance a user expects (15%).</summary>
    public bool Overruns => EstimatedSeconds > 1.15 * Minutes * 60;

    /// <summary>The epochs that fit once <paramref name="done"/> epochs have trained, their steps having taken
    /// <paramref name="elapsedSeconds"/> since the start (setup included) at <paramref name="secondsPerStep"/> each; with
    /// the run's expected length in seconds. The checkpoint and monitor costs stay the warm-up's.</summary>
    public (int Epochs, double EstimatedSeconds) Replan(int done, double elapsedSeconds, double secondsPerStep, int? monitorEvery, int minEpochs)
    {
        double perEpoch = (this with { SecondsPerStep = secondsPerStep }).SecondsPerEpoch;
        int epochs = TimeBudget.EpochsAfter(Minutes, done, elapsedSeconds, perEpoch, SecondsPerEpochExtra, SecondsPerMonitor, monitorEvery, minEpochs);
        return (epochs, Projected(done, epochs, elapsedSeconds, secondsPerStep, monitorEvery));
    }

    /// <summary>This plan with the checkpoint and monitor costs the run has measured so far, for the checks after the
    /// first: the mean of the warm-up's estimate and each measurement, so one write that happened to be fast does not
    /// decide a re-plan. The warm-up's estimates alone ran short: a 30-s test run's checkpoints took 0.7-1.2 s where one
    /// probe write took 0.54, its measurements 0.26-0.33 s against 0.24, and the run ended 11% over (2026-12-03).</summary>
    public BudgetPlan WithMeasuredCosts(IReadOnlyList<double> checkpointSeconds, IReadOnlyList<double> monitorSeconds) => this with
    {
        SecondsPerEpochExtra = (SecondsPerEpochExtra + checkpointSeconds.Sum()) / (1 + checkpointSeconds.Count),
        SecondsPerMonitor = (SecondsPerMonitor + monitorSeconds.Sum()) / (1 + monitorSeconds.Count),
    };

    /// <summary>How far off the budget a run may be heading before a check after the first re-plan changes its length.
    /// Replayed on the timings of the study's 107 budgeted runs (bench/study/replay_minutes.py), checks after every epoch
    /// landed all of them within 0.88-1.13 of the budget (the first check alone: 0.77-1.22) at 5%, 8% and 10% alike; with
    /// the later half's mean step (<see cref="TimeBudget.RecentStepSeconds"/>) 10% re-planned 23 runs (at most 9 times),
    /// 5% 59 (up to 15), so 10%: fewer runs leave the ordinary cosine (docs/training.md).</summary>
    public const double DriftTolerance = 0.1;

    /// <summary>The run's expected length in seconds, setup included, if it trains <paramref name="epochs"/> in all, the
    /// first <paramref name="done"/> having taken <paramref name="elapsedSeconds"/> since the start and the rest taking
    /// <paramref name="secondsPerStep"/> a step.</summary>
    public double Projected(int done, int epochs, double elapsedSeconds, double secondsPerStep, int? monitorEvery) =>
        TimeBudget.SecondsAfter(done, epochs, elapsedSeconds, (this with { SecondsPerStep = secondsPerStep }).SecondsPerEpoch,
            SecondsPerEpochExtra, SecondsPerMonitor, monitorEvery);

    /// <summary>The notice of a re-plan that changed the epochs from <paramref name="before"/> to <paramref name="epochs"/>:
    /// the mean step of the epochs trained from <paramref name="firstTimed"/> (1-based: the later half of the whole-network ones) to
    /// <paramref name="done"/> against the <paramref name="assumedPerStep"/> the plan had.</summary>
    public string DescribeReplan(int done, double secondsPerStep, double assumedPerStep, int before, int epochs, double estimatedSeconds, bool bent,
        int firstTimed = 1) =>
        $"--minutes {Minutes:G4}: {(done == firstTimed ? $"epoch {done}'s" : $"epochs {firstTimed}-{done}'s")} steps took {secondsPerStep:F2} s each where the " +
        $"{(assumedPerStep == SecondsPerStep ? "warm-up measured" : "plan assumed")} {assumedPerStep:F2}: " +
        $"{epochs} epoch{(epochs == 1 ? "" : "s")} in all instead of {before}, about {estimatedSeconds / 60:F1} min" +
        (epochs == done ? $"; the run ends with epoch {done}" : bent ? $"; the learning rate's cosine continues from epoch {done}'s" : "") +
        (estimatedSeconds > 1.15 * Minutes * 60 ? " (the epochs trained already overrun the budget)" : "");

    public string Describe() =>
        $"--minutes {Minutes:G4}: {WarmupSteps} warm-up steps took {SecondsPerStep:F2} s each" +
        (HeadShare > 0 ? $" ({SecondsPerHeadStep:F2} s training the head alone)" : "") + $"; {StepsPerEpoch} steps an epoch" +
        (Measurements > 0 ? $", {Measurements} monitor measurement{(Measurements == 1 ? "" : "s")} of ~{SecondsPerMonitor:F0} s" +
            (MonitorCapped ? $" (every {MonitorEvery} epochs: at most a tenth of the budget)" : "") : "") +
        $" -> {Epochs} epoch{(Epochs == 1 ? "" : "s")}, about {EstimatedSeconds / 60:F1} min" +
        (Overruns ? $" ({(Epochs == 1 ? "one epoch needs more than the budget" : $"an epoch takes {SecondsPerEpoch / 60:F1} min of it")}; give --minutes {Math.Ceiling(EstimatedSeconds / 60)} or more, or a smaller --image-size)" : "");
}

/// <summary>The arithmetic of <see cref="BudgetPlan"/>: pure, so tests can pin it. A monitor interval is the run's
/// --monitor-every (0: automatic), or null for a run that measures nothing.</summary>
public static class TimeBudget
{
    /// <summary>Steps run before any is timed (oneDNN builds its kernels and the allocator grows on the first steps).</summary>
    public const int DiscardedSteps = 2;
    /// <summary>The warm-up times at least <see cref="MinTimedSteps"/> steps and <see cref="MinTimedSeconds"/> of them, at
    /// most <see cref="MaxTimedSteps"/>: cheap steps (small images) are slower for their first seconds (likely .NET's tiered
    /// compilation, which optimises a per-batch method only after 30 calls; not measured apart): 4 steps at 32 px measured
    /// 0.22 s a step where the run then took 0.14 (2026-12-01, gtsrb).</summary>
    public const int MinTimedSteps = 4, MaxTimedSteps = 200;
    public const double MinTimedSeconds = 6;

    /// <summary>Under a short budget the warm-up times at most this share of it in steps (each kind, whole-network and
    /// head-only): 6 s from 2 minutes up. Timing 6 s (and 6 more with --head-warmup) plus setup left a 24-s test run a
    /// single epoch on CI's slow machine (2026-12-03); the check after the first epoch corrects a shorter warm-up's
    /// misjudged step. 4 timed steps (2.5%) measured the same 32-px step at 0.14-0.26 s on a noisy machine.</summary>
    public const double WarmupShare = 0.05;

    /// <summary>The seconds of steps the warm-up times under a budget of <paramref name="minutes"/>.</summary>
    public static double TimedSecondsFor(double minutes) => Math.Min(MinTimedSeconds, WarmupShare * minutes * 60);

    /// <summary>True while the warm-up should time another step, given the intervals timed so far: at least
    /// <see cref="MinTimedSteps"/> and <paramref name="minSeconds"/> of them (<see cref="TimedSecondsFor"/>).</summary>
    public static bool WantsAnotherStep(int timed, double timedSeconds, double minSeconds = MinTimedSeconds) =>
        timed < MaxTimedSteps && (timed < MinTimedSteps || timedSeconds < minSeconds);

    /// <summary>A step's steady cost: the median of the later half of the timed intervals (all of them when there are
    /// fewer than 2 × <see cref="MinTimedSteps"/>), so the first, still unoptimised steps do not count.</summary>
    public static double SteadyStepSeconds(IReadOnlyList<double> intervals)
    {
        if (intervals.Count == 0) throw new ArgumentException("no step was timed", nameof(intervals));
        var later = (intervals.Count < 2 * MinTimedSteps ? intervals : intervals.Skip(intervals.Count / 2)).Order().ToList();
        return later.Count % 2 == 1 ? later[later.Count / 2] : (later[later.Count / 2 - 1] + later[later.Count / 2]) / 2;
    }

    /// <summary>The step time --minutes' checks project the rest of a run with: the mean step of the later half of the
    /// whole-network epochs trained (the one epoch of one, the last of two, the last two of three or four...), with the
    /// index of the first of them. The mean of all epochs lagged a step change: a test's run whose steps turned 2.4x
    /// slower in its second epoch projected 8% over after its third, inside the 10% tolerance, and ended 17% over on
    /// CI's machine (2026-12-03); the later half follows it within an epoch or two and, replayed on the study's
    /// budgeted runs, lands them as near as the mean of all did (docs/training.md).</summary>
    public static (double SecondsPerStep, int From) RecentStepSeconds(IReadOnlyList<double> epochStepSeconds)
    {
        if (epochStepSeconds.Count == 0) throw new ArgumentException("no epoch was timed", nameof(epochStepSeconds));
        int from = epochStepSeconds.Count / 2;
        return (epochStepSeconds.Skip(from).Average(), from);
    }

    /// <summary>Monitor measurements in a run of <paramref name="epochs"/>: every <paramref name="every"/> epochs and at
    /// the end (as the trainer measures), or <see cref="TrainConfig.AutoMonitorPoints"/> times when <paramref name="every"/> is 0.</summary>
    public static int Measurements(int epochs, int every, int points = TrainConfig.AutoMonitorPoints) => MeasurementsFrom(1, epochs, every, points);

    /// <summary>Share of a --minutes budget that automatic monitoring (--monitor-every 0) may spend: a 15-minute run at
    /// 224 px with caltech101's labelled folders spent 6 of its minutes on 4 measurements of 93 s (budget study,
    /// 2026-12-02), and got 4 epochs where it could have had 7.</summary>
    public const double MonitorShare = 0.1;

    /// <summary>How many measurements automatic monitoring makes under a budget: as many of
    /// <see cref="TrainConfig.AutoMonitorPoints"/> as fit in <see cref="MonitorShare"/> of it, at least the last one.</summary>
    public static int MonitorPointsFor(double minutes, double secondsPerMonitor) =>
        secondsPerMonitor <= 0 ? TrainConfig.AutoMonitorPoints
            : (int)Math.Clamp(Math.Floor(MonitorShare * minutes * 60 / secondsPerMonitor), 1, TrainConfig.AutoMonitorPoints);

    /// <summary>Monitor measurements at the ends of epochs <paramref name="from"/> to <paramref name="epochs"/> (1-based,
    /// both included) of a run of <paramref name="epochs"/>, measuring as <see cref="Measurements"/> says.</summary>
    public static int MeasurementsFrom(int from, int epochs, int every, int points = TrainConfig.AutoMonitorPoints)
    {
        int interval = every == 0 ? TrainConfig.MonitorEveryFor(epochs, points) : every, n = 0;
        for (int k = Math.Max(1, from); k <= epochs; k++)
            if (k % interval == 0 || k == epochs) n++;
        return n;
    }

    /// <summary>A run of <paramref name="epochs"/> whose first <paramref name="done"/> epochs' steps took
    /// <paramref name="elapsedSeconds"/> since the start: then epoch <paramref name="done"/>'s checkpoint, the epochs
    /// after it, and the monitor measurements from epoch <paramref name="done"/> on (<paramref name="monitorEvery"/> as
    /// in <see cref="Measurements"/>; null: no monitor).</summary>
    public static double SecondsAfter(int done, int epochs, double elapsedSeconds, double secondsPerEpoch, double checkpointSeconds,
        double secondsPerMonitor, int? monitorEvery) =>
        elapsedSeconds + checkpointSeconds + (epochs - done) * secondsPerEpoch +
        (monitorEvery is int every ? MeasurementsFrom(done, epochs, every) * secondsPerMonitor : 0);

    /// <summary>The epochs, at least <paramref name="done"/> and <paramref name="minEpochs"/>, whose
    /// <see cref="SecondsAfter"/> is nearest <paramref name="minutes"/> (see <see cref="Nearest"/>).</summary>
    public static int EpochsAfter(double minutes, int done, double elapsedSeconds, double secondsPerEpoch, double checkpointSeconds,
        double secondsPerMonitor, int? monitorEvery, int minEpochs)
    {
        if (!(secondsPerEpoch > 0)) throw new ArgumentOutOfRangeException(nameof(secondsPerEpoch), secondsPerEpoch, "must be positive");
        return Nearest(minutes * 60, Math.Max(done, minEpochs), elapsedSeconds + checkpointSeconds - done * secondsPerEpoch, secondsPerEpoch,
            e => SecondsAfter(done, e, elapsedSeconds, secondsPerEpoch, checkpointSeconds, secondsPerMonitor, monitorEvery));
    }

    /// <summary>The count of epochs from <paramref name="least"/> on whose <paramref name="seconds"/> is nearest the
    /// <paramref name="budget"/>, the fewer on a tie. Not the most that fit: with a few epochs to a budget that rule ends
    /// up to an epoch short, and a re-plan from a first epoch measured 7% slower than the warm-up cut a 5-minute caltech101
    /// run from 5 epochs to 4 (-14% where 5 would have ended at +6%; budget study, 2026-12-02). Measurements make the cost
    /// non-monotone, so every count is tried until the epochs' own cost (<paramref name="fixedSeconds"/> + e x
    /// <paramref name="secondsPerEpoch"/>, a lower bound) is further over than the best is off.</summary>
    static int Nearest(double budget, int least, double fixedSeconds, double secondsPerEpoch, Func<int, double> seconds)
    {
        int best = least;
        double off = Math.Abs(seconds(least) - budget);
        for (int e = least + 1; e < least + 100_000 && fixedSeconds + e * secondsPerEpoch - budget < off; e++)
        {
            double d = Math.Abs(seconds(e) - budget);
            if (d < off) (best, off) = (e, d);
        }
        return best;
    }

    /// <summary>Setup, then each epoch's steps and extras (the head-only epochs of <paramref name="headShare"/> at
    /// <paramref name="secondsPerHeadEpoch"/>), then the monitor measurements.</summary>
    public static double Seconds(int epochs, double setupSeconds, double secondsPerEpoch, double secondsPerMonitor, int measurements,
        double headShare = 0, double secondsPerHeadEpoch = 0)
    {
        int head = TrainConfig.HeadEpochsFor(headShare, epochs);
        return setupSeconds + head * secondsPerHeadEpoch + (epochs - head) * secondsPerEpoch + measurements * secondsPerMonitor;
    }

    /// <summary>The epochs (at least 1) whose <see cref="Seconds"/> is nearest <paramref name="minutes"/> (see <see cref="Nearest"/>).</summary>
    public static int EpochsFor(double minutes, double setupSeconds, double secondsPerEpoch, double secondsPerMonitor, int? monitorEvery,
        double headShare = 0, double secondsPerHeadEpoch = 0, int monitorPoints = TrainConfig.AutoMonitorPoints)
    {
        if (!(minutes > 0)) throw UftException.Usage($"--minutes {minutes}: must be a positive number of minutes");
        if (!(secondsPerEpoch > 0)) throw new ArgumentOutOfRangeException(nameof(secondsPerEpoch), secondsPerEpoch, "must be positive");
        // Head-only epochs are cheaper: bound the search by the cheaper of the two.
        double cheapest = headShare > 0 && secondsPerHeadEpoch > 0 ? Math.Min(secondsPerEpoch, secondsPerHeadEpoch) : secondsPerEpoch;
        return Nearest(minutes * 60, 1, setupSeconds, cheapest, e => Seconds(e, setupSeconds, secondsPerEpoch, secondsPerMonitor,
            monitorEvery is int every ? Measurements(e, every, monitorPoints) : 0, headShare, secondsPerHeadEpoch));
    }
}
