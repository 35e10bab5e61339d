using Uft.Evaluation;
using Uft.Experiments;

namespace Uft.Tests.Experiments;

/// <summary>The comparison's verdict lines: the headline measures, paired changes with intervals, above/below only where
/// the interval excludes zero, and the closing lines.</summary>
public class VerdictTests
{
    static readonly Dictionary<string, string> Settings = new()
    {
        [EvalReport.ImageSizeSetting] = "224", [EvalReport.CropRatioSetting] = "1", [EvalReport.ProbeSetting] = "p",
        [EvalReport.ClusteringSetting] = "c", [EvalReport.EvalSeedSetting] = "0", ["train"] = "t", ["test"] = "q",
    };

    /// <summary>An evaluation whose draws are <paramref name="shift"/> plus a per-draw pattern shared by every backbone
    /// (the draw's own difficulty) and <paramref name="noise"/> of its own, times ±1 alternating: retrieval over 40
    /// queries, BCubed over 10 seeds, 1-shot over 10 trials.</summary>
    static EvalReport Report(double shift, double noise = 0, int seed = 0) => new()
    {
        Settings = new(Settings) { [EvalReport.EvalSeedSetting] = seed.ToString() },
        Metrics = new()
        {
            [EvalMetrics.Retrieval] = MetricSummary.OverQueries(Draws(40, 0.7 + shift, noise)),
            [EvalMetrics.ClusteringPrecision] = MetricSummary.Of(Draws(10, 0.5 + shift, noise), MetricSummary.Seed),
            [EvalMetrics.ProbeMeanClass(1)] = MetricSummary.Of(Draws(10, 0.6 + shift, noise)),
            [EvalMetrics.ProbeMeanClass(4)] = MetricSummary.Of(Draws(10, 0.8 + shift, noise)),
        },
    };

    static double[] Draws(int n, double centre, double noise) =>
        Enumerable.Range(0, n).Select(i => centre + 0.05 * Math.Sin(i) + noise * (i % 2 == 0 ? 1 : -1) * (1 + i % 3)).ToArray();

    [Fact]
    public void TheHeadlineIsRetrievalBCubedAndTheSmallestKPreferringTheFinetune()
    {
        var probe = Report(0);
        Assert.Equal(["retrieval", "BCubed P", "1-shot"], Verdict.Headline(probe).Select(h => h.Title));
        Assert.Equal(EvalMetrics.ProbeMeanClass(1), Verdict.Headline(probe)[2].Metric);
        probe.Metrics[EvalMetrics.KShotMeanClass(2)] = MetricSummary.Of([0.4]);
        Assert.Equal(EvalMetrics.KShotMeanClass(2), Verdict.Headline(probe)[2].Metric);
    }

    [Fact]
    public void AChangeCountsOnlyWhereItsPairedIntervalExcludesZero()
    {
        var shipped = Report(0);
        // +0.3 points on every draw: small, but the same on each draw, so above (the old rule, |change| < 0.5 is level, said level).
        var steady = Verdict.Compare("uft", Report(0.003), "as shipped", shipped, 224)!;
        Assert.True(steady.AboveOnAll, steady.Text);
        Assert.Equal("at 224 px, uft against as shipped: retrieval +0.3 (±0.0), BCubed P +0.3 (±0.0), 1-shot +0.3 (±0.0): above on all", steady.Text);
        // +1.3 points on average but ±3 to ±9 points from draw to draw: level (the old rule said above on all).
        var noisy = Verdict.Compare("uft", Report(0.013, noise: 0.03), "as shipped", shipped, 224)!;
        Assert.All(noisy.Changes, c => Assert.Equal(Direction.Level, c.Direction));
        Assert.All(noisy.Changes, c => Assert.True(c.Change.Delta > 0.005, c.ToString()));
        Assert.EndsWith(": level on 3", noisy.Text);
        // Below on all, by the same rule.
        Assert.True(Verdict.Compare("naive", Report(-0.02), "as shipped", shipped, 224)!.BelowOnAll);
        Assert.Null(Verdict.Compare("uft", new EvalReport(), "as shipped", shipped, 112));
    }

    [Fact]
    public void EvaluationsWithDifferentSeedsAreNotPairedAndSoNeverAboveOrBelow()
    {
        var other = Verdict.Compare("uft", Report(0.02, seed: 1), "as shipped", Report(0), 224)!;
        Assert.All(other.Changes, c => Assert.Null(c.Change.Ci));
        Assert.Equal("at 224 px, uft against as shipped: retrieval +2.0 (unpaired), BCubed P +2.0 (unpaired), 1-shot +2.0 (unpaired): level on 3", other.Text);
    }

    [Fact]
    public void LinesCoverEachArmAndSizeThenTheClosingLines()
    {
        ArmResult Arm(string arm, EvalReport small, EvalReport big) => new(arm, small, arm, 0, 0, big);
        var results = new[]
        {
            Arm(Arms.None, Report(0), Report(0.1)),
            Arm("naive", Report(0.03), Report(0.09)),
            Arm("uft", Report(0.05), Report(0.07)),
        };
        var verdicts = Verdict.Judge(results, 112, 224);
        Assert.Equal(["naive/as shipped/112", "uft/as shipped/112", "uft/naive/112", "naive/as shipped/224", "uft/as shipped/224", "uft/naive/224"],
            verdicts.Select(v => $"{v.Arm}/{v.Against}/{v.Size}"));
        Assert.True(verdicts[2].AboveOnAll);
        Assert.True(verdicts[4].BelowOnAll);
        var lines = Verdict.Lines(results, 112, 224);
        Assert.Equal(verdicts.Select(v => v.Text), lines.Take(6));
        // An arm below on all at a size: the advice; UFT not above naive at 224: the note; then how to read a change.
        Assert.Equal([Verdict.BelowOnAllAdvice, Verdict.NotAboveNaiveNote], lines.Skip(6).Take(2));
        Assert.Equal(9, lines.Count);
        // UFT above naive on all three at every size and nothing below the backbone: no closing line but the legend.
        var ahead = new[] { Arm(Arms.None, Report(0), Report(0)), Arm("naive", Report(0.01), Report(0.01)), Arm("uft", Report(0.02), Report(0.02)) };
        Assert.Equal(7, Verdict.Lines(ahead, 112, 224).Count);
        // results.md carries them under its tables, with each figure's interval and the paired change in brackets.
        string md = Comparison.Markdown(new ComparisonConfig { ImageSize = 112, EvalSize = 224, Eval = new() { ProbeShots = [1, 4] } }, results);
        Assert.Contains($"\n- {verdicts[4].Text}\n", md);
        Assert.True(md.IndexOf("- at 112 px", StringComparison.Ordinal) > md.IndexOf("At 224 px", StringComparison.Ordinal));
        Assert.Contains("| uft | ", md);
        Assert.Contains("(+5.00 (±0.00))", md);
    }
}
