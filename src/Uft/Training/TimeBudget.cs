namespace Uft.Training;

/// <summary>
/// <c>--minutes</c>: planned once from the run's first epoch, then held to a deadline.
/// <para>The first epoch trains at the same learning rate whatever the run's length (the warmup's first rate, or the
/// cosine's peak), so it is a real epoch of any plan. When it ends, with its checkpoint and any measurement, the run has
/// measured what the rest will cost: <see cref="Plan"/> takes the epochs whose expected end is nearest the budget, and
/// config.json records them. After that the plan is never revised: before each later epoch's checkpoint,
/// <see cref="EndsNow"/> ends the run there if one more epoch would end further past the budget than stopping falls short
/// of it. Such a run records the epochs it trained and the cosine's planned length (<see cref="TrainConfig.CosineEpochs"/>),
/// so a rerun of its config.json trains the same rates. A run whose machine turns faster ends early; one that turns
/// slower ends at the deadline with its cosine short of zero.</para>
/// <para>Costs are per epoch (<c>epochSeconds(e)</c>), so epochs that cost differently (a resolution schedule) are
/// planned and held to the deadline by the same arithmetic.</para>
/// Pure functions of the times the trainer measured, so tests drive them with a fake clock.
/// </summary>
public static class TimeBudget
{
    /// <summary>Steps of an epoch left out of its steady step time: oneDNN builds its kernels and .NET compiles the hot
    /// path on the first ones (4 steps at 32 px took 0.22 s a step where the run then took 0.14, 2026-12-01).</summary>
    public const int SlowFirstSteps = 2;

    /// <summary>An epoch's step time, the slow first steps left out where the epoch has steps to spare: the mean of the
    /// intervals after the first <see cref="SlowFirstSteps"/> when more than twice as many were timed, else of all.</summary>
    public static double SteadyStepSeconds(IReadOnlyList<double> stepSeconds)
    {
        if (stepSeconds.Count == 0) throw new ArgumentException("no step was timed", nameof(stepSeconds));
        return (stepSeconds.Count > 2 * SlowFirstSteps ? stepSeconds.Skip(SlowFirstSteps) : stepSeconds).Average();
    }

    /// <summary>Share of a budget that automatic monitoring (--monitor-every 0) may spend: a 15-minute run at 224 px with
    /// caltech101's labelled folders spent 6 of its minutes on 4 measurements of 93 s (budget study, 2026-12-02).</summary>
    public const double MonitorShare = 0.1;

    /// <summary>How many measurements automatic monitoring makes under a budget: as many of
    /// <see cref="TrainConfig.AutoMonitorPoints"/> as fit in <see cref="MonitorShare"/> of it, at least the last one.</summary>
    public static int MonitorPointsFor(double minutes, double secondsPerMonitor) =>
        secondsPerMonitor <= 0 ? TrainConfig.AutoMonitorPoints
            : (int)Math.Clamp(Math.Floor(MonitorShare * minutes * 60 / secondsPerMonitor), 1, TrainConfig.AutoMonitorPoints);

    /// <summary>When a run of <paramref name="epochs"/> is expected to end, in seconds from its start: epoch
    /// <paramref name="done"/> ended at <paramref name="elapsed"/>, each later epoch <c>e</c> takes
    /// <paramref name="epochSeconds"/>(e) (steps and checkpoint) and <paramref name="monitorSeconds"/> more where
    /// <paramref name="measures"/>(e, epochs) says it is measured.</summary>
    public static double EndOf(int epochs, int done, double elapsed, Func<int, double> epochSeconds, Func<int, int, bool> measures, double monitorSeconds)
    {
        double end = elapsed;
        for (int e = done + 1; e <= epochs; e++) end += epochSeconds(e) + (measures(e, epochs) ? monitorSeconds : 0);
        return end;
    }

    /// <summary>The epochs, at least <paramref name="least"/>, whose <see cref="EndOf"/> is nearest
    /// <paramref name="budgetSeconds"/>, the fewer on a tie. Nearest rather than the most that fit: with a few epochs to a
    /// budget that rule ends up to an epoch short. Measurements make the end non-monotone in the epochs, so counts are
    /// tried until the epochs alone end further past the budget than the best is off.</summary>
    public static int Plan(double budgetSeconds, int least, int done, double elapsed, Func<int, double> epochSeconds,
        Func<int, int, bool> measures, double monitorSeconds)
    {
        least = Math.Max(least, done);
        int best = least;
        double off = Math.Abs(EndOf(least, done, elapsed, epochSeconds, measures, monitorSeconds) - budgetSeconds);
        double epochsAlone = EndOf(least, done, elapsed, epochSeconds, (_, _) => false, 0);
        for (int e = least + 1; e < least + 100_000; e++)
        {
            epochsAlone += epochSeconds(e);
            if (epochsAlone - budgetSeconds >= off) break;
            double d = Math.Abs(EndOf(e, done, elapsed, epochSeconds, measures, monitorSeconds) - budgetSeconds);
            if (d < off) (best, off) = (e, d);
        }
        return best;
    }

    /// <summary>The deadline: whether the run should end with the epoch whose steps just ended, given when it would end
    /// by stopping now (<paramref name="endNow"/>: this epoch's checkpoint and last measurement) and after one more epoch
    /// (<paramref name="endNext"/>). It ends if the next epoch would end further past the budget than stopping falls
    /// short of it: the plan's own rule, so a run whose epochs cost what the first did keeps its plan.</summary>
    public static bool EndsNow(double budgetSeconds, double endNow, double endNext) =>
        endNext > budgetSeconds && endNext - budgetSeconds > budgetSeconds - endNow;
}

/// <summary>What the first epoch of a budgeted run measured, and the plan made from it: the notice a user sees and what
/// a test reads.</summary>
/// <param name="Minutes">The budget.</param>
/// <param name="Epochs">The epochs planned.</param>
/// <param name="FirstEpochEnd">Seconds from the command's start to the first epoch's end (setup, steps, checkpoint, any measurement).</param>
/// <param name="SecondsPerStep">The first epoch's steady step (<see cref="TimeBudget.SteadyStepSeconds"/>).</param>
/// <param name="StepsPerEpoch">Batches an epoch.</param>
/// <param name="CheckpointSeconds">The first epoch's checkpoint.</param>
/// <param name="MonitorSeconds">One monitor measurement: measured after the first epoch where it was measured, else estimated.</param>
/// <param name="Measurements">Measurements the planned run makes.</param>
/// <param name="MonitorEvery">The run's --monitor-every, as asked or, under automatic monitoring, the interval that keeps
/// measuring within <see cref="TimeBudget.MonitorShare"/> of the budget.</param>
/// <param name="ExpectedSeconds">When the planned run is expected to end.</param>
public sealed record BudgetPlan(double Minutes, int Epochs, double FirstEpochEnd, double SecondsPerStep, int StepsPerEpoch, double CheckpointSeconds,
    double MonitorSeconds, int Measurements, int MonitorEvery, double ExpectedSeconds)
{
    /// <summary>True when even the epochs that must train overrun the budget by more than a user would accept (15%).</summary>
    public bool Overruns => ExpectedSeconds > 1.15 * Minutes * 60;

    public string Describe() =>
        $"--minutes {Minutes:G4}: the first epoch ended {FirstEpochEnd:F0} s in, {StepsPerEpoch} steps of {SecondsPerStep:F2} s and a {CheckpointSeconds:F1}-s checkpoint" +
        (Measurements > 0 ? $", {Measurements} monitor measurement{(Measurements == 1 ? "" : "s")} of ~{MonitorSeconds:F0} s" : "") +
        $" -> {Epochs} epoch{(Epochs == 1 ? "" : "s")}, about {ExpectedSeconds / 60:F1} min" +
        (Overruns ? $" (more than the budget; give --minutes {Math.Ceiling(ExpectedSeconds / 60)} or more, or a smaller --image-size)" : "");
}
