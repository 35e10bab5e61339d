using Xunit.Abstractions;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Uft.Tests.Reliability;
using Uft.Training;

namespace Uft.Tests.Training;

/// <summary>--minutes: the epochs that fit a budget (hand-computed), a budgeted run that trains exactly like a run given
/// those epochs, and a run that ends near its budget.</summary>
[Collection(SerialCollection.Name)]
public sealed class TimeBudgetTests(ITestOutputHelper log)
{
    [Theory]
    // 60 s, 6 s of setup, 5 s an epoch, no monitor: (60 - 6) / 5 = 10.8; 10 epochs end at 56 s (-4), 11 at 61 (+1) -> 11.
    [InlineData(1.0, 6, 5, 0, null, 11)]
    // A 2 s measurement after every epoch: 7 epochs 6 + 7 x (5 + 2) = 55 (-5), 8 epochs 62 (+2) -> 8.
    [InlineData(1.0, 6, 5, 2, 1, 8)]
    // 1.5 s a measurement: 7 epochs 6 + 7 x 6.5 = 51.5 (-8.5), 8 epochs 58 (-2), 9 epochs 64.5 (+4.5) -> 8.
    [InlineData(1.0, 6, 5, 1.5, 1, 8)]
    // Automatic monitoring (every max(1, E/4) epochs and at the end): 8 epochs measure 4 times, 6 + 40 + 8 = 54 (-6); 9
    // epochs measure 5 times (every 2), 6 + 45 + 10 = 61 (+1); 10 epochs 66.
    [InlineData(1.0, 6, 5, 2, 0, 9)]
    // Less than one epoch's worth: still one epoch (the plan then says it overruns).
    [InlineData(0.1, 6, 5, 0, null, 1)]
    public void EpochsForEndNearestTheBudget(double minutes, double setup, double perEpoch, double perMonitor, int? every, int expected) =>
        Assert.Equal(expected, TimeBudget.EpochsFor(minutes, setup, perEpoch, perMonitor, every));

    [Fact]
    public void HeadOnlyEpochsAreCountedAtTheirOwnCost()
    {
        // 60 s, 6 s setup, 5 s a whole-network epoch, 2 s a head-only one, a fifth of the epochs head-only, no monitor.
        // 12 epochs: round(2.4) = 2 head-only, 6 + 2 x 2 + 10 x 5 = 60 fits; 13: round(2.6) = 3, 6 + 6 + 50 = 62 does not.
        Assert.Equal(12, TimeBudget.EpochsFor(1.0, 6, 5, 0, null, headShare: 0.2, secondsPerHeadEpoch: 2));
        Assert.Equal(60, TimeBudget.Seconds(12, 6, 5, 0, 0, headShare: 0.2, secondsPerHeadEpoch: 2), 9);
        // Without the head warm-up the same budget is nearest 11 epochs (6 + 55 = 61; 10 would end at 56).
        Assert.Equal(11, TimeBudget.EpochsFor(1.0, 6, 5, 0, null));
    }

    [Theory]
    [InlineData(15, 93, 1)]  // 4 x 93 s would be 41% of 900 s: one measurement, the last (the 224-px caltech101 cell)
    [InlineData(15, 21, 4)]  // 4 x 21 s = 84 s fits in 90
    [InlineData(15, 30, 3)]
    [InlineData(1, 0, 4)]    // nothing to measure: as usual
    public void AutomaticMonitoringSpendsAtMostATenthOfTheBudget(double minutes, double perMonitor, int expected) =>
        Assert.Equal(expected, TimeBudget.MonitorPointsFor(minutes, perMonitor));

    [Fact]
    public void FewerMeasurementsBuyMoreEpochs()
    {
        // 60 s, 6 s setup, 5 s an epoch, 10 s a measurement, automatic monitoring. About 4 measurements: every epoch is
        // measured, 3 epochs 6 + 15 + 30 = 51 (-9), 4 epochs 66 (+6) -> 4. One, at the end: 8 epochs 6 + 40 + 10 = 56
        // (-4), 9 epochs 61 (+1) -> 9.
        Assert.Equal(4, TimeBudget.EpochsFor(1.0, 6, 5, 10, 0));
        Assert.Equal(9, TimeBudget.EpochsFor(1.0, 6, 5, 10, 0, monitorPoints: 1));
        Assert.Equal(1, TimeBudget.Measurements(8, 0, points: 1));
        var plan = new BudgetPlan(1, 8, 6, 0.5, 10, 0, 10, 1, 4, MonitorEvery: 8, MonitorCapped: true);
        Assert.Contains("1 monitor measurement of ~10 s (every 8 epochs: at most a tenth of the budget) -> 8 epochs", plan.Describe());
    }

    [Theory]
    [InlineData(7, 0, 7)]   // every max(1, 7/4) = 1 epoch
    [InlineData(9, 0, 5)]   // every 2: epochs 2, 4, 6, 8 and the last
    [InlineData(40, 0, 4)]  // every 10
    [InlineData(10, 3, 4)]  // 3, 6, 9 and the last
    public void MeasurementsCountsWhatTheTrainerMeasures(int epochs, int every, int expected) =>
        Assert.Equal(expected, TimeBudget.Measurements(epochs, every));

    [Theory]
    [InlineData(1, 10, 3, 4)]   // 3, 6, 9, 10
    [InlineData(4, 10, 3, 3)]   // 6, 9, 10
    [InlineData(3, 10, 3, 4)]   // 3 itself too
    [InlineData(2, 9, 0, 5)]    // every max(1, 9/4) = 2: 2, 4, 6, 8 and the last
    [InlineData(10, 10, 3, 1)]  // the last epoch alone
    public void MeasurementsFromCountsTheRestOfARun(int from, int epochs, int every, int expected) =>
        Assert.Equal(expected, TimeBudget.MeasurementsFrom(from, epochs, every));

    [Theory]
    // 60 s; the first epoch's steps ended at 20 s; 0.5 s its checkpoint; 5 s a later epoch (checkpoint included), no
    // monitor: 8 epochs end at 20 + 0.5 + 7 x 5 = 55.5 (-4.5), 9 at 60.5 (+0.5) -> 9 in all.
    [InlineData(20, 0, null, 1, 9)]
    // A 2 s measurement after every epoch, the first's included: 6 epochs 20.5 + 5 x 5 + 6 x 2 = 57.5 (-2.5), 7 epochs 64.5 (+4.5) -> 6.
    [InlineData(20, 2, 1, 1, 6)]
    // Already past the budget: stop after this epoch...
    [InlineData(70, 0, null, 1, 1)]
    // ...unless the learning-rate warm-up needs more (a schedule of 3 epochs with 2 warm-up epochs).
    [InlineData(70, 0, null, 3, 3)]
    public void EpochsAfterTheFirstFillWhatIsLeft(double elapsed, double perMonitor, int? every, int minEpochs, int expected) =>
        Assert.Equal(expected, TimeBudget.EpochsAfter(1.0, 1, elapsed, 5, 0.5, perMonitor, every, minEpochs));

    [Fact]
    public void ReplanUsesTheMeasuredStepAndSaysWhatChanged()
    {
        // Planned: 1 minute, 6 s setup, 0.5 s a step, 10 steps an epoch, no checkpoint cost -> 11 epochs, 61 s. The first
        // epoch's steps took 1.0 s each and ended at 16 s: 5 epochs end at 16 + 4 x 10 = 56 (-4), 6 at 66 (+6) -> 5.
        var plan = new BudgetPlan(1, 11, 6, 0.5, 10, 0, 0, 0, 4);
        var (epochs, seconds) = plan.Replan(1, 16, 1.0, monitorEvery: null, minEpochs: 1);
        Assert.Equal(5, epochs);
        Assert.Equal(56, seconds, 9);
        string line = plan.DescribeReplan(1, 1.0, plan.SecondsPerStep, 11, epochs, seconds, bent: false);
        Assert.Equal("--minutes 1: epoch 1's steps took 1.00 s each where the warm-up measured 0.50: 5 epochs in all instead of 11, about 0.9 min", line);
        // On plan: the same epochs. 2% slower keeps them too (11 epochs end at 11.1 + 10 x 5.1 = 62.1, +2.1; 10 at 57, -3),
        // where keeping only what fits would have cut one.
        Assert.Equal(11, plan.Replan(1, 11, 0.5, monitorEvery: null, minEpochs: 1).Epochs);
        Assert.Equal(11, plan.Replan(1, 11.1, 0.51, monitorEvery: null, minEpochs: 1).Epochs);
    }

    [Fact]
    public void ChecksTimeTheLaterHalfOfTheEpochsTrained()
    {
        // One epoch: itself; two: the second; three: the last two; four: the last two; five: the last three.
        Assert.Equal((0.2, 0), TimeBudget.RecentStepSeconds([0.2]));
        Assert.Equal((0.35, 1), TimeBudget.RecentStepSeconds([0.17, 0.35]));
        // The step change of the drift test below as CI's machine ran it (2026-12-03): the warm-up's 0.10 s, epoch 1 at
        // 0.17, then 0.35-0.37. The mean of all three epochs (0.30) projected the 6 epochs left of 9, 6 steps each,
        // 6 x 6 x 0.07 = 2.5 s short, inside 10% of 30 s, and the run ended 17% over; the later half's 0.36 sees it.
        var (three, from) = TimeBudget.RecentStepSeconds([0.17, 0.35, 0.37]);
        Assert.Equal(0.36, three, 12);
        Assert.Equal(1, from);
        Assert.Equal((1.5, 2), TimeBudget.RecentStepSeconds([1, 1, 1, 2]));
        var (five, fromFive) = TimeBudget.RecentStepSeconds([1, 1, 1, 1.5, 2]);
        Assert.Equal(1.5, five, 12);
        Assert.Equal(2, fromFive);
        Assert.Throws<ArgumentException>(() => TimeBudget.RecentStepSeconds([]));
    }

    [Fact]
    public void ALaterCheckProjectsTheRunAtTheMeanStepSoFar()
    {
        // The plan of the test above after its re-plan: 5 epochs of 10 steps, no checkpoint cost. After 3 epochs at 16 + 2 x
        // 10 = 36 s, steps at 1.0 s end at 36 + 2 x 10 = 56; steps slowed to a mean of 1.5 s end at 36 + 2 x 15 = 66 (+10%).
        var plan = new BudgetPlan(1, 11, 6, 0.5, 10, 0, 0, 0, 4);
        Assert.Equal(56, plan.Projected(3, 5, 36, 1.0, monitorEvery: null), 9);
        Assert.Equal(66, plan.Projected(3, 5, 36, 1.5, monitorEvery: null), 9);
        // A 2 s measurement after every epoch: epochs 3 to 5 measure, 6 s more.
        Assert.Equal(72, (plan with { SecondsPerMonitor = 2 }).Projected(3, 5, 36, 1.5, monitorEvery: 1), 9);
        Assert.Equal(0.1, BudgetPlan.DriftTolerance);
        // Re-planned at 1.5 s a step: 4 epochs end at 36 + 15 = 51 (-9), 5 at 66 (+6) -> 5, as planned; at 2.0 s, 4 end at
        // 56 (-4), 5 at 76 (+16) -> 4.
        Assert.Equal(5, plan.Replan(3, 36, 1.5, monitorEvery: null, minEpochs: 4).Epochs);
        Assert.Equal(4, plan.Replan(3, 36, 2.0, monitorEvery: null, minEpochs: 4).Epochs);
        string line = plan.DescribeReplan(3, 2.0, 1.0, 5, 4, 56, bent: true);
        Assert.Equal("--minutes 1: epochs 1-3's steps took 2.00 s each where the plan assumed 1.00: 4 epochs in all instead of 5, " +
                     "about 0.9 min; the learning rate's cosine continues from epoch 3's", line);
        // The later half of 3 epochs starts at the second (RecentStepSeconds), and the line names the epochs it timed.
        Assert.StartsWith("--minutes 1: epochs 2-3's steps took 2.00 s", plan.DescribeReplan(3, 2.0, 1.0, 5, 4, 56, bent: true, firstTimed: 2));
        // A first check after a head warm-up may end the run where it stands (LrScheduleTests): the line says so.
        Assert.EndsWith("3 epochs in all instead of 5, about 0.6 min; the run ends with epoch 3",
            plan.DescribeReplan(3, 2.0, 1.0, 5, 3, 36, bent: true, firstTimed: 3));
    }

    [Fact]
    public void ASteadyStepIgnoresTheSlowFirstSteps()
    {
        // Fewer than 8 timed steps: the median of all (0.3, 0.5, 0.9 sorted -> 0.5; 4 values -> mean of the middle two).
        Assert.Equal(0.5, TimeBudget.SteadyStepSeconds([0.9, 0.5, 0.3]), 12);
        Assert.Equal(0.45, TimeBudget.SteadyStepSeconds([0.9, 0.5, 0.4, 0.3]), 12);
        // 10 steps that speed up as the loader's code is optimised: only the later 5 count (0.14, 0.15, 0.14, 0.13, 0.2).
        double[] warming = [0.4, 0.35, 0.3, 0.25, 0.22, 0.14, 0.15, 0.14, 0.13, 0.2];
        Assert.Equal(0.14, TimeBudget.SteadyStepSeconds(warming), 12);
        Assert.Throws<ArgumentException>(() => TimeBudget.SteadyStepSeconds([]));
    }

    [Theory]
    [InlineData(3, 20.0, true)]    // fewer than 4 steps, however long
    [InlineData(4, 5.9, true)]     // 4 steps but under 6 s: cheap steps, keep timing
    [InlineData(4, 6.0, false)]    // both minimums met
    [InlineData(30, 1.0, true)]
    [InlineData(200, 1.0, false)]  // the cap
    public void TheWarmUpTimesAtLeastFourStepsAndSixSeconds(int timed, double seconds, bool more) =>
        Assert.Equal(more, TimeBudget.WantsAnotherStep(timed, seconds));

    [Fact]
    public void AShortBudgetTimesFewerSecondsOfSteps()
    {
        // 5% of the budget, at most 6 s: 1.2 s of a 24-s budget, 3 s of 1 minute, 6 s from 2 minutes on.
        Assert.Equal(1.2, TimeBudget.TimedSecondsFor(0.4), 12);
        Assert.Equal(3.0, TimeBudget.TimedSecondsFor(1), 12);
        Assert.Equal(6.0, TimeBudget.TimedSecondsFor(2), 12);
        Assert.Equal(6.0, TimeBudget.TimedSecondsFor(15), 12);
        Assert.True(TimeBudget.WantsAnotherStep(4, 1.1, TimeBudget.TimedSecondsFor(0.4)));
        Assert.False(TimeBudget.WantsAnotherStep(4, 1.21, TimeBudget.TimedSecondsFor(0.4)));
        Assert.True(TimeBudget.WantsAnotherStep(3, 5.0, TimeBudget.TimedSecondsFor(0.4)));   // still at least 4 steps
    }

    [Fact]
    public void LaterChecksCostTheCheckpointsAndMeasurementsTheRunMade()
    {
        var plan = new BudgetPlan(1, 11, 6, 0.5, 10, 0.5, 0.2, 0, 4);
        Assert.Equal(plan, plan.WithMeasuredCosts([], []));                  // nothing measured yet: the warm-up's
        // The warm-up's 0.5 s probe write counts as one more checkpoint: (0.5 + 0.7 + 1.1 + 0.9) / 4; (0.2 + 0.3 + 0.25) / 3.
        var measured = plan.WithMeasuredCosts([0.7, 1.1, 0.9], [0.3, 0.25]);
        Assert.Equal(0.8, measured.SecondsPerEpochExtra, 12);
        Assert.Equal(0.25, measured.SecondsPerMonitor, 12);
        Assert.Equal(plan.SecondsPerStep, measured.SecondsPerStep);
        // After 3 epochs at 36 s, 2 more of 10 steps at 1 s: epoch 3's checkpoint, 2 x (10 + 0.8), and 3 measurements (epochs 3
        // to 5) of 0.25 s, where the warm-up's estimates alone would have said 36 + 0.5 + 2 x 10.5 + 3 x 0.2.
        Assert.Equal(36 + 0.8 + 2 * 10.8 + 3 * 0.25, measured.Projected(3, 5, 36, 1.0, monitorEvery: 1), 9);
    }

    [Fact]
    public void PlanSaysWhenOneEpochOverrunsTheBudget()
    {
        var plan = new BudgetPlan(0.1, 1, 6, 0.5, 10, 0, 0, 0, 4);
        Assert.True(plan.Overruns);
        Assert.Contains("give --minutes 1 or more", plan.Describe());
        Assert.False((plan with { Minutes = 1 }).Overruns);
        // 35 s an epoch in 60: 1 epoch ends at 41 (-19), 2 at 76 (+16), nearer but 27% over.
        Assert.Equal(2, TimeBudget.EpochsFor(1, 6, 35, 0, null));
        var two = new BudgetPlan(1, 2, 6, 3.5, 10, 0, 0, 0, 4);
        Assert.True(two.Overruns);
        Assert.Contains("(an epoch takes 0.6 min of it; give --minutes 2 or more", two.Describe());
    }

    [Fact]
    public void NonPositiveMinutesIsAUsageError()
    {
        var e = Assert.Throws<UftException>(() => TrainConfig.ApplyPreset(new TrainConfig { Target = "t", Minutes = 0 }, "naive").Validate());
        Assert.Contains("--minutes", e.Message);
    }

    static TrainConfig Small(string name, string output, string target) => TrainConfig.ApplyPreset(new TrainConfig
    {
        Name = name, OutputRoot = output, Target = target, Source = Path.Combine(Paths.Demo, "source"), ReplayCount = 20,
        ImageSize = 32, BatchSize = 16, Workers = 1, Seed = 3,
    }, "uft");

    // With a head warm-up, the case that exercises the most: its head-only epochs are timed apart, the warm-up's full
    // steps leave gradients on the backbone that must not move it in those epochs, and the first check comes after the
    // cosine's first epoch, so a re-plan bends it. The case without a head warm-up ran here too until the shorter warm-up
    // of short budgets gave these runs 8-14 epochs and the pair took 97 s of the suite (2026-12-03); the slowed-step test
    // below still holds a budgeted run without one within ±15%, and the warm-up's restore is the same code.
    [Fact]
    public void BudgetedRunTrainsLikeARunGivenTheChosenEpochsAndEndsNearItsBudget()
    {
        const double headWarmup = 0.25;
        using var scratch = Paths.MemoryDir();
        string target = SmallRun.Target(96), output = scratch.Path;
        const double minutes = 0.4;
        var notices = new List<string>();
        var clock = Stopwatch.StartNew();
        var budgeted = new Trainer(Small("budgeted", output, target) with { Minutes = minutes, HeadWarmup = headWarmup }, notice: notices.Add).Train();
        double seconds = clock.Elapsed.TotalSeconds;
        string what = $"{seconds:F1} s for a budget of {minutes * 60} s; {notices.FirstOrDefault(n => n.Contains("--minutes"))}; epochs took " +
            string.Join(" ", budgeted.Epochs.Select(e => e.Seconds.ToString("F2")));
        log.WriteLine(what);
        var saved = TrainConfig.Load(Path.Combine(budgeted.RunFolder, "config.json"));
        Assert.Equal(minutes, saved.Minutes);
        Assert.Equal(budgeted.Epochs.Count, saved.Epochs);
        // The warm-up leaves no trace: the same epochs without a budget give the same losses and weights.
        // A check after the first re-plan that changed the length bends the cosine; config.json says where.
        // A re-plan of a head warm-up restates its share for the new length, keeping the head-only epochs it trained.
        var plain = new Trainer(Small("plain", output, target) with { Epochs = saved.Epochs, CosineBends = saved.CosineBends, HeadWarmup = saved.HeadWarmup }).Train();
        int planned = int.Parse(Regex.Match(notices.First(n => n.Contains("warm-up steps")), @"-> (\d+) epoch").Groups[1].Value);
        Assert.Equal(TrainConfig.HeadEpochsFor(headWarmup, planned), saved.HeadEpochs);
        SmallRun.AssertSameRun(plain.RunFolder, budgeted.RunFolder, tolerance: 1e-5);
        // Within ±15% of the budget (issue 16). Before the warm-up timed 6 s of steps and took the later half's median,
        // this run ended at 17.3 s of 24 (-28%, idle machine, 2026-12-01): 4 timed steps overestimated a cheap step. Before
        // it timed a real checkpoint write, CI measured 18.8 s (-22%): 250 MB/s assumed, 0.78 s a checkpoint against ~0.46.
        Assert.True(saved.Epochs > 1, $"only {saved.Epochs} epoch fitted in {minutes} min");
        Assert.True(seconds <= 1.15 * minutes * 60 && seconds >= 0.85 * minutes * 60, what);
    }

    // Steps that turn slower after the warm-up (UFT_FAULT=sleep-step adds 400 ms to each training step, not to the
    // warm-up's), as when the machine's speed drifts: the plan made from the warm-up would run far over; the check
    // after the first epoch re-plans and the whole command ends within ±15%. Before the re-plan, runs of the study missed
    // by -24% and +33% (docs/study.md). With --head-warmup the check comes after the first whole-network epoch and the
    // head-only epochs stay as trained; such runs kept their first plan until CI ended one at -18% (2026-12-03). On CI's
    // slow machine that check once chose to end the run where it stood and the run failed after training (exit 2: its
    // cosine's bend at the last epoch was refused; LrScheduleTests pins the fix). Batches of 32 make 3 steps an epoch: the
    // slowed steps (2-3x the warm-up's, which its noise never reaches; 150 ms on 6 steps of 16 were sometimes measured by
    // the 5%-of-budget warm-up) keep an epoch near 2 s, a twelfth of the budget, so the nearest count of epochs can land
    // within ±15%.
    [Theory]
    [InlineData("scratch", 0.0)]
    [InlineData("naive", 0.25)]
    public void ARunSlowerThanItsWarmUpIsReplannedAfterItsFirstEpoch(string preset, double headWarmup)
    {
        using var scratch = Paths.MemoryDir();
        string target = SmallRun.Target(96), output = scratch.Path;
        const double minutes = 0.4;
        var clock = Stopwatch.StartNew();
        string[] head = headWarmup > 0 ? ["--head-warmup", headWarmup.ToString(System.Globalization.CultureInfo.InvariantCulture)] : [];
        using var child = new ChildRun(new Dictionary<string, string> { ["UFT_FAULT"] = "sleep-step=400" },
            ["finetune", "--target", target, "--preset", preset, "--minutes", minutes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--image-size", "32", "--batch-size", "32", "--workers", "1", "--seed", "7", "--name", "slow", "--output", output, .. head]);
        int code = child.WaitForExit(TimeSpan.FromMinutes(3));
        Assert.True(code == 0, $"exit {code}\n{child.Output}");
        double seconds = clock.Elapsed.TotalSeconds;
        log.WriteLine($"{seconds:F1} s for a budget of {minutes * 60} s\n{child.Output}");
        string run = Path.Combine(output, "slow");
        var saved = TrainConfig.Load(Path.Combine(run, "config.json"));
        int headEpochs = headWarmup > 0 ? int.Parse(Regex.Match(child.Output, @"head warm-up: the first (\d+) of").Groups[1].Value) : 0;
        Assert.Matches($@"--minutes 0\.4: epoch {headEpochs + 1}'s steps took \d\.\d\d s each where the warm-up measured \d\.\d\d: \d+ epochs in all instead of \d+", child.Output);
        Assert.Equal(headEpochs, saved.HeadEpochs);
        Assert.Equal(SmallRun.Metrics(run).Count, saved.Epochs);
        Assert.True(seconds <= 1.15 * minutes * 60 && seconds >= 0.85 * minutes * 60, $"{seconds:F1} s for a budget of {minutes * 60} s\n{child.Output}");
    }

    // Steps that turn slower after the first re-plan (UFT_FAULT=sleep-step=200@6: 200 ms more from the 7th step, the
    // second epoch of 6 steps): only the later checks can see it. Without them the run would end well over its budget; with
    // them it ends within ±15%, its cosine continuing from the rate it had (config.json records where, and the metrics'
    // learning rates follow that curve).
    [Fact]
    public void ARunThatSlowsDownLaterIsReplannedAgainAndItsCosineContinues()
    {
        using var scratch = Paths.MemoryDir();
        string target = SmallRun.Target(96), output = scratch.Path;
        const double minutes = 0.5;
        var clock = Stopwatch.StartNew();
        using var child = new ChildRun(new Dictionary<string, string> { ["UFT_FAULT"] = "sleep-step=200@6" },
            "finetune", "--target", target, "--preset", "scratch", "--minutes", minutes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--image-size", "32", "--batch-size", "16", "--workers", "1", "--seed", "7", "--name", "drift", "--output", output);
        int code = child.WaitForExit(TimeSpan.FromMinutes(3));
        Assert.True(code == 0, $"exit {code}\n{child.Output}");
        double seconds = clock.Elapsed.TotalSeconds;
        string what = $"{seconds:F1} s for a budget of {minutes * 60} s\n{child.Output}";
        log.WriteLine(what);
        Assert.Matches(@"--minutes 0\.5: epochs? \d+(-\d+)?'s steps took \d\.\d\d s each where the (warm-up measured|plan assumed) \d\.\d\d: \d+ epochs in all instead of \d+, about \d\.\d min; the learning rate's cosine continues from epoch \d+'s", child.Output);
        string run = Path.Combine(output, "drift");
        var saved = TrainConfig.Load(Path.Combine(run, "config.json"));
        var metrics = SmallRun.Metrics(run);
        Assert.Equal(metrics.Count, saved.Epochs);
        Assert.NotNull(saved.CosineBends);
        Assert.InRange(saved.CosineBends[0].Epoch, 2, saved.Epochs - 1);
        // Every epoch trained at the rate of the curve config.json records, the bends included: before the first the
        // ordinary cosine of the length the first check chose, then on from the rate each bend had.
        var schedule = saved.Schedule(saved.LrFor(saved.BatchSize));
        for (int e = 0; e < saved.Epochs; e++) Assert.Equal(schedule.At(e), metrics[e].Lr, 9);
        Assert.True(seconds <= 1.15 * minutes * 60 && seconds >= 0.85 * minutes * 60, what);
    }
}
