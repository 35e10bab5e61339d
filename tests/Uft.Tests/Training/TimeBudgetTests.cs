using Uft.Training;

namespace Uft.Tests.Training;

/// <summary>--minutes' arithmetic (hand-computed) and whole budgeted runs driven on a fake clock through
/// <see cref="BudgetController"/> exactly as the trainer calls it: a plan from the first epoch, then the deadline.</summary>
public sealed class TimeBudgetTests
{
    static bool Never(int e, int epochs) => false;
    static bool EveryEpoch(int e, int epochs) => true;

    [Fact]
    public void EndOfAddsTheLaterEpochsAndTheirMeasurements()
    {
        // Epoch 1 ended at 10 s; epochs 2-4 at 5 s each and a 2-s measurement after epochs 2 and 4: 10 + 15 + 4.
        Assert.Equal(29, TimeBudget.EndOf(4, 1, 10, _ => 5, (e, _) => e % 2 == 0, 2), 9);
        Assert.Equal(10, TimeBudget.EndOf(1, 1, 10, _ => 5, EveryEpoch, 2), 9);
    }

    [Theory]
    // 60 s; the first epoch ended at 10 s; 5 s a later epoch: 10 + 10 x 5 = 60 exactly -> 11 epochs.
    [InlineData(10, 11)]
    // Ended at 12 s: 10 epochs end at 57 (-3), 11 at 62 (+2) -> 11, the nearer, though it is over.
    [InlineData(12, 11)]
    // Ended at 13.5 s: 10 epochs end at 58.5 (-1.5), 11 at 63.5 (+3.5) -> 10.
    [InlineData(13.5, 10)]
    // The first epoch alone took more than the budget: the run ends with it.
    [InlineData(70, 1)]
    public void PlanTakesTheEpochsThatEndNearestTheBudget(double firstEnded, int expected) =>
        Assert.Equal(expected, TimeBudget.Plan(60, 1, 1, firstEnded, _ => 5, Never, 0));

    [Fact]
    public void PlanCountsTheMeasurementsEachLengthMakes()
    {
        // 2 s a measurement after every epoch: 10 + 7 x 7 = 59 -> 8 epochs.
        Assert.Equal(8, TimeBudget.Plan(60, 1, 1, 10, _ => 5, EveryEpoch, 2));
        // Automatic monitoring (every max(1, E/4) epochs and the last): 8 epochs measure after 2, 4, 6, 8: 10 + 35 + 8 = 53;
        // 9 epochs after 2, 4, 6, 8, 9: 10 + 40 + 10 = 60; 10 epochs 10 + 45 + 10 = 65 -> 9.
        Assert.Equal(9, TimeBudget.Plan(60, 1, 1, 10, _ => 5, (e, n) => e % TrainConfig.MonitorEveryFor(n) == 0 || e == n, 2));
    }

    [Fact]
    public void PlanCountsEpochsThatCostDifferently()
    {
        // A resolution schedule: epochs 2-4 at 2.5 s, from the fifth on 8.5 s (4x the pixels, the same checkpoint):
        // 7.5 + 3 x 2.5 = 15 after epoch 4; then 15 + 5 x 8.5 = 57.5 (-2.5) against 66 (+6) -> 9 epochs.
        Assert.Equal(9, TimeBudget.Plan(60, 1, 1, 7.5, e => e <= 4 ? 2.5 : 8.5, Never, 0));
    }

    [Fact]
    public void PlanKeepsTheWarmupEpochs() => Assert.Equal(4, TimeBudget.Plan(60, 4, 1, 50, _ => 5, Never, 0));

    [Theory]
    [InlineData(55, 60, false)]  // the next epoch ends on the budget
    [InlineData(58, 67.5, true)] // 7.5 s over against 2 s short
    [InlineData(50, 61, false)]  // 1 s over against 10 s short
    [InlineData(59, 59.9, false)]
    public void TheDeadlineEndsTheRunWhereStoppingIsNearerTheBudget(double endNow, double endNext, bool ends) =>
        Assert.Equal(ends, TimeBudget.EndsNow(60, endNow, endNext));

    [Fact]
    public void ASteadyStepLeavesOutTheSlowFirstSteps()
    {
        Assert.Equal(0.5, TimeBudget.SteadyStepSeconds([1.0, 0.8, 0.5, 0.5, 0.5]), 12);
        Assert.Equal((0.9 + 0.5 + 0.5) / 3, TimeBudget.SteadyStepSeconds([0.9, 0.5, 0.5]), 12); // too few to leave any out
    }

    [Theory]
    [InlineData(15, 93, 1)]  // 4 x 93 s would be 41% of 900 s: one measurement, the last (the 224-px caltech101 cell)
    [InlineData(15, 21, 4)]  // 4 x 21 s = 84 s fits in 90
    [InlineData(15, 30, 3)]
    [InlineData(1, 0, 4)]    // nothing to measure: as usual
    public void AutomaticMonitoringSpendsAtMostATenthOfTheBudget(double minutes, double perMonitor, int expected) =>
        Assert.Equal(expected, TimeBudget.MonitorPointsFor(minutes, perMonitor));

    /// <summary>A budgeted run on a fake clock, the controller called as the trainer calls it: setup, then per epoch its
    /// steps (<paramref name="steps"/>(e) seconds, 10 steps alike), the deadline, a measurement where due, the checkpoint,
    /// the plan. Returns the config the run ends with and when it ends.</summary>
    static (TrainConfig Config, double End, BudgetPlan Plan) Run(double minutes, double setup, Func<int, double> steps, double checkpoint = 0.5,
        double monitor = 0, int monitorEvery = 1, int warmup = 0, Func<int, double>? relativeCost = null)
    {
        double t = setup;
        var c = new TrainConfig { Target = "t", Source = "s", MonitorEvery = monitorEvery, WarmupEpochs = warmup }.WithMinutes(minutes).Validate();
        var budget = new BudgetController(minutes, () => t, 10, monitor > 0, () => monitor, relativeCost);
        for (int e = 1; c.Epochs == 0 || e <= c.Epochs; e++)
        {
            double s = steps(e);
            t += s;
            c = budget.AfterSteps(c, e, s);
            double? measured = null;
            if (monitor > 0 && c.Measures(e)) (t, measured) = (t + monitor, monitor);
            t += checkpoint;
            c = budget.AfterEpoch(c, e, Enumerable.Repeat(s / 10, 10).ToList(), checkpoint, measured).Validate();
        }
        return (c, t, budget.Plan!);
    }

    [Fact]
    public void ARunAsFastAsItsFirstEpochKeepsItsPlanAndEndsOnTheBudget()
    {
        // 5 s of setup, 4.5 s of steps and 0.5 s of checkpoint an epoch: the first ends at 10 s, 10 more fill 60 s.
        var (c, end, plan) = Run(1, 5, _ => 4.5);
        Assert.Equal(11, c.Epochs);
        Assert.Null(c.CosineEpochs);
        Assert.Equal(60, end, 9);
        Assert.Equal(0.45, plan.SecondsPerStep, 9);
        Assert.Contains("the first epoch ended 10 s in, 10 steps of 0.45 s and a 0.5-s checkpoint -> 11 epochs, about 1.0 min", plan.Describe());
    }

    [Fact]
    public void ARunThatSlowsDownEndsAtTheDeadlineAndRecordsItsCosine()
    {
        // Steps twice as slow from epoch 4 (9 s): the plan of 11 epochs would end at 96 s (+60%). After epoch 7's steps
        // (57.5 s) stopping ends at 58, one more epoch at 67.5: the run ends with 7, its cosine still the 11 planned.
        var (c, end, _) = Run(1, 5, e => e <= 3 ? 4.5 : 9);
        Assert.Equal(7, c.Epochs);
        Assert.Equal(11, c.CosineEpochs);
        Assert.Equal(58, end, 9);
        // The epochs trained keep their rates: the schedule config.json gives is the 11-epoch run's.
        var planned = new LrSchedule(0.03, 11);
        for (int e = 0; e < 7; e++) Assert.Equal(planned.At(e), c.Schedule(0.03).At(e), 12);
    }

    [Fact]
    public void ARunThatSpeedsUpEndsEarlyOnItsPlan()
    {
        // The design's price: the plan is never lengthened, so steps 2 s faster from epoch 4 end the run at 40 s of 60.
        var (c, end, _) = Run(1, 5, e => e <= 3 ? 4.5 : 2);
        Assert.Equal(11, c.Epochs);
        Assert.Equal(40, end, 9);
    }

    [Fact]
    public void AutomaticMonitoringUnderABudgetMeasuresOnceWhereMeasuringIsDear()
    {
        // A 10-s measurement: a tenth of 60 s holds none, so one, after the last epoch: 10 + 8 x 5 + 10 = 60 -> 9 epochs.
        var (c, end, plan) = Run(1, 5, _ => 4.5, monitor: 10, monitorEvery: 0);
        Assert.Equal(9, c.Epochs);
        Assert.Equal(9, c.MonitorEvery);
        Assert.Equal(1, plan.Measurements);
        Assert.Equal(60, end, 9);
    }

    [Fact]
    public void EpochsThatCostMoreLaterArePlannedAndHeldToTheBudget()
    {
        // 112 px for 4 epochs, then 224 px (4x the pixels): with the schedule's relative cost the plan is right (9 epochs,
        // 57.5 s); without it the plan takes the first epoch for all (22 epochs) and the deadline ends the run there too.
        Func<int, double> cost = e => e <= 4 ? 1 : 4;
        var (c, end, _) = Run(1, 5, e => 2 * cost(e), relativeCost: cost);
        Assert.Equal((9, (int?)null), (c.Epochs, c.CosineEpochs));
        Assert.Equal(57.5, end, 9);
        (c, end, _) = Run(1, 5, e => 2 * cost(e));
        Assert.Equal((9, (int?)22), (c.Epochs, c.CosineEpochs));
        Assert.Equal(57.5, end, 9);
    }

    [Fact]
    public void AnEpochWithoutStepsLeavesThePlanToTheNext()
    {
        // Stopped during its first epoch's measurement and resumed: that epoch trains no step in this process.
        double t = 30;
        var c = new TrainConfig { Target = "t", Source = "s" }.WithMinutes(1);
        var budget = new BudgetController(1, () => t, 10, false, () => 0);
        Assert.Equal(0, budget.AfterEpoch(c, 1, [], 0.5, null).Epochs);
        Assert.Null(budget.Plan);
        t = 35; // the second epoch: 10 steps of 0.45 s and its checkpoint, ending at 35 s -> 35 + 5 x 5 = 60
        Assert.Equal(7, budget.AfterEpoch(c, 2, Enumerable.Repeat(0.45, 10).ToList(), 0.5, null).Epochs);
    }

    [Fact]
    public void ABudgetShorterThanTheEpochsThatMustTrainSaysSo()
    {
        // Two warmup epochs and one of the cosine must train: 10 + 2 x 5 = 20 s against a 6-s budget.
        var (c, end, plan) = Run(0.1, 5, _ => 4.5, warmup: 2);
        Assert.Equal(3, c.Epochs);
        Assert.Equal(20, end, 9);
        Assert.True(plan.Overruns);
        Assert.Contains("more than the budget; give --minutes 1 or more", plan.Describe());
    }

    [Fact]
    public void ABudgetLeavesTheEpochsToTheFirstAndConfigJsonRecordsThem()
    {
        var c = new TrainConfig { Target = "t", Source = "s" }.WithMinutes(15);
        Assert.Equal((0, (double?)15), (c.Epochs, c.Minutes));
        c.Validate();
        // The first epoch's rate is the one any length gives it: the peak, or the warmup's first step.
        Assert.Equal(0.03, c.Schedule(0.03).At(0), 12);
        Assert.Equal(0.01, (c with { WarmupEpochs = 2 }).Schedule(0.03).At(0), 12);
        Assert.Contains("--epochs 0", Assert.Throws<UftException>(() => new TrainConfig { Target = "t", Source = "s", Epochs = 0 }.Validate()).Message);
        Assert.Contains("--minutes", Assert.Throws<UftException>(() => new TrainConfig { Target = "t", Source = "s", Minutes = 0 }.Validate()).Message);
        Assert.Contains("cosineEpochs 5", Assert.Throws<UftException>(() => new TrainConfig { Target = "t", Source = "s", Epochs = 5, CosineEpochs = 5 }.Validate()).Message);
    }

    [Fact]
    public void ConfigJsonOfEarlierVersionsLoadsOrIsRefusedByName()
    {
        using var dir = Paths.MemoryDir();
        string file = Path.Combine(dir.Path, "config.json");
        File.WriteAllText(file, """{ "target": "t", "source": "s", "epochs": 5, "headWarmup": 0.0, "cosineBends": null }""");
        Assert.Equal(5, TrainConfig.Load(file).Validate().Epochs);
        File.WriteAllText(file, """{ "target": "t", "source": "s", "epochs": 5, "headWarmup": 0.2 }""");
        Assert.Contains("headWarmup", Assert.Throws<UftException>(() => TrainConfig.Load(file).Validate()).Message);
        File.WriteAllText(file, """{ "target": "t", "source": "s", "epochs": 5, "cosineBends": [ { "epoch": 3, "phase": 1.0 } ] }""");
        Assert.Contains("cosineBends", Assert.Throws<UftException>(() => TrainConfig.Load(file).Validate()).Message);
    }
}
