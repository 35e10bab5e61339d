namespace Uft.Training;

/// <summary>
/// Holds one process's <c>--minutes</c> run to its budget (<see cref="TimeBudget"/>) as the trainer reports each epoch:
/// plans the epochs at the end of the first, then ends the run at the deadline. It returns the run's config with the
/// length it chose and changes nothing else. Its clock is injected (seconds since the command started), so tests drive
/// whole runs on fake time.
/// </summary>
/// <param name="minutes">The budget.</param>
/// <param name="now">Seconds since the command started.</param>
/// <param name="stepsPerEpoch">Batches an epoch.</param>
/// <param name="monitorActive">Whether the run measures anything after its epochs.</param>
/// <param name="estimateMonitorSeconds">One measurement's cost where the first epoch made none (automatic monitoring).</param>
/// <param name="relativeCost">What epoch <c>e</c>'s steps cost against the first's (1-based); null: all alike. A schedule
/// whose epochs cost differently (a resolution schedule: (size_e / size_1)²) passes it, and the plan and the deadline
/// both count it.</param>
public sealed class BudgetController(double minutes, Func<double> now, int stepsPerEpoch, bool monitorActive, Func<double> estimateMonitorSeconds,
    Func<int, double>? relativeCost = null)
{
    readonly Func<int, double> cost = relativeCost ?? (_ => 1);
    double checkpointSeconds, monitorSeconds = double.NaN;

    double Budget => minutes * 60;

    /// <summary>The plan, once the first epoch has made it.</summary>
    public BudgetPlan? Plan { get; private set; }

    /// <summary>After epoch <paramref name="done"/>'s steps, which took <paramref name="stepsSeconds"/> in all, before its
    /// measurement and checkpoint: <paramref name="c"/>, cut to end with this epoch where the next would end further past
    /// the budget than stopping now falls short of it. The cut keeps the cosine's planned length, so the epochs trained
    /// keep their rates.</summary>
    public TrainConfig AfterSteps(TrainConfig c, int done, double stepsSeconds)
    {
        // The warmup and the cosine's first epoch always train, as the plan has them.
        if (c.Epochs == 0 || done >= c.Epochs || done <= c.WarmupEpochs) return c;
        double m = monitorActive ? monitorSeconds : 0, t = now();
        double endNow = t + m + checkpointSeconds;
        double next = stepsSeconds * cost(done + 1) / cost(done);
        double endNext = t + (c.Measures(done) ? m : 0) + checkpointSeconds + next + checkpointSeconds + (c.Measures(done + 1) ? m : 0);
        return TimeBudget.EndsNow(Budget, endNow, endNext) ? c with { Epochs = done, CosineEpochs = c.CosineEpochs ?? c.Epochs } : c;
    }

    /// <summary>After epoch <paramref name="done"/>'s measurement (<paramref name="measuredSeconds"/>; null: none) and
    /// checkpoint (<paramref name="checkpoint"/> seconds): where the run has no length yet, <paramref name="c"/> with the
    /// epochs (and, under automatic monitoring, the interval) the plan chose from this epoch's steps
    /// (<paramref name="stepSeconds"/>, one per step this process trained); else <paramref name="c"/>.</summary>
    public TrainConfig AfterEpoch(TrainConfig c, int done, IReadOnlyList<double> stepSeconds, double checkpoint, double? measuredSeconds)
    {
        checkpointSeconds = checkpoint;
        if (measuredSeconds is { } s) monitorSeconds = s;
        // A run resumed after its first epoch's steps (stopped during its measurement) trains no step of it: the next plans.
        if (c.Epochs != 0 || stepSeconds.Count == 0) return c;
        if (double.IsNaN(monitorSeconds)) monitorSeconds = monitorActive ? estimateMonitorSeconds() : 0;
        double perStep = TimeBudget.SteadyStepSeconds(stepSeconds), elapsed = now();
        // Automatic monitoring measures about four times a run, fewer where that would cost more than a tenth of the budget.
        int points = c.MonitorEvery == 0 ? TimeBudget.MonitorPointsFor(minutes, monitorSeconds) : TrainConfig.AutoMonitorPoints;
        int Every(int epochs) => c.MonitorEvery == 0 ? TrainConfig.MonitorEveryFor(epochs, points) : c.MonitorEvery;
        bool Measures(int e, int epochs) => monitorActive && (e % Every(epochs) == 0 || e == epochs);
        double EpochSeconds(int e) => perStep * stepsPerEpoch * cost(e) / cost(done) + checkpoint;
        int planned = TimeBudget.Plan(Budget, Math.Max(done, c.WarmupEpochs + 1), done, elapsed, EpochSeconds, Measures, monitorSeconds);
        int every = c.MonitorEvery == 0 && points < TrainConfig.AutoMonitorPoints ? Every(planned) : c.MonitorEvery;
        Plan = new BudgetPlan(minutes, planned, elapsed, perStep, stepsPerEpoch, checkpoint, monitorSeconds,
            Enumerable.Range(done + 1, planned - done).Count(e => Measures(e, planned)), every,
            TimeBudget.EndOf(planned, done, elapsed, EpochSeconds, Measures, monitorSeconds));
        return c with { Epochs = planned, MonitorEvery = every };
    }
}
