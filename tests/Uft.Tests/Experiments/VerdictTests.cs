using Uft.Evaluation;
using Uft.Experiments;

namespace Uft.Tests.Experiments;

/// <summary>The comparison's verdict lines: the headline measures, the signed changes, the tie band, and the closing advice and finding.</summary>
public class VerdictTests
{
    static EvalReport Report(double retrieval, double bcubed, double oneShot, double fourShot) => new()
    {
        Metrics = new()
        {
            [EvalMetrics.Retrieval] = MetricSummary.Of([retrieval]),
            [EvalMetrics.ClusteringPrecision] = MetricSummary.Of([bcubed]),
            [EvalMetrics.ProbeMeanClass(1)] = MetricSummary.Of([oneShot - 0.01, oneShot + 0.01]),
            [EvalMetrics.ProbeMeanClass(4)] = MetricSummary.Of([fourShot]),
        },
    };

    [Fact]
    public void TheHeadlineIsRetrievalBCubedAndTheSmallestKPreferringTheFinetune()
    {
        var probe = Report(0.5, 0.5, 0.5, 0.5);
        Assert.Equal(["retrieval", "BCubed P", "1-shot"], Verdict.Headline(probe).Select(h => h.Title));
        Assert.Equal(EvalMetrics.ProbeMeanClass(1), Verdict.Headline(probe)[2].Metric);
        probe.Metrics[EvalMetrics.KShotMeanClass(2)] = MetricSummary.Of([0.4]);
        Assert.Equal(EvalMetrics.KShotMeanClass(2), Verdict.Headline(probe)[2].Metric);
    }

    [Fact]
    public void ALineGivesTheSignedChangesInPointsAndCountsThemWithATieBand()
    {
        var shipped = Report(0.800, 0.600, 0.580, 0.80);
        Assert.Equal("at 224 px, uft against as shipped: retrieval -2.3, BCubed P -5.0, 1-shot -1.1: below on all",
            Verdict.Line("uft", Report(0.777, 0.550, 0.569, 0.9), "as shipped", shipped, 224));
        // +3.0 above, -0.4 level (inside ±0.5), -0.6 below.
        Assert.Equal("at 112 px, naive against as shipped: retrieval +3.0, BCubed P -0.4, 1-shot -0.6: above on 1, below on 1, level on 1",
            Verdict.Line("naive", Report(0.830, 0.596, 0.574, 0.8), "as shipped", shipped, 112));
        // Counts of none are left out.
        Assert.EndsWith(": below on 2, level on 1", Verdict.Line("uft", Report(0.790, 0.598, 0.570, 0.8), "as shipped", shipped, 224));
        Assert.Null(Verdict.Line("uft", new EvalReport(), "as shipped", shipped, 112));
    }

    [Fact]
    public void LinesCoverEachArmAndSizeAndAdviseWhenAnArmIsBelowOnAll()
    {
        ArmResult Arm(string arm, EvalReport small, EvalReport big) => new(arm, small, arm, 0, 0, big);
        var results = new[]
        {
            Arm(Arms.None, Report(0.70, 0.50, 0.50, 0.7), Report(0.80, 0.60, 0.58, 0.8)),
            Arm("naive", Report(0.73, 0.53, 0.52, 0.7), Report(0.79, 0.59, 0.58, 0.8)),
            Arm("uft", Report(0.75, 0.56, 0.53, 0.7), Report(0.77, 0.55, 0.56, 0.8)),
        };
        var lines = Verdict.Lines(results, 112, 224);
        Assert.Equal(8, lines.Count);
        Assert.Equal("at 112 px, naive against as shipped: retrieval +3.0, BCubed P +3.0, 1-shot +2.0: above on all", lines[0]);
        Assert.Equal("at 112 px, uft against naive: retrieval +2.0, BCubed P +3.0, 1-shot +1.0: above on all", lines[2]);
        Assert.Equal("at 224 px, uft against as shipped: retrieval -3.0, BCubed P -5.0, 1-shot -2.0: below on all", lines[4]);
        Assert.StartsWith("where an arm is below the backbone as shipped on all three", lines[6]);
        // The advice is the study's (more budget made it worse), not "train longer".
        Assert.Contains("--freeze-stages", lines[6]);
        Assert.DoesNotContain("more budget", lines[6]);
        // UFT below naive at 224 px: the study's finding on that, once.
        Assert.StartsWith("where UFT is not above naive finetuning on all three", lines[7]);
        Assert.Contains("100 epochs", lines[7]);
        // Without the backbone as shipped, only UFT against naive, no advice on the backbone, the line on naive.
        var withoutNone = Verdict.Lines(results[1..], 112, 224);
        Assert.Equal(3, withoutNone.Count);
        Assert.StartsWith("where UFT is not above naive", withoutNone[2]);
        // UFT above naive on all three at every size: no such line.
        var ahead = new[] { results[1], Arm("uft", Report(0.75, 0.56, 0.53, 0.7), Report(0.80, 0.60, 0.59, 0.8)) };
        Assert.Equal(2, Verdict.Lines(ahead, 112, 224).Count);
        // results.md carries them under its tables.
        string md = Comparison.Markdown(new ComparisonConfig { ImageSize = 112, EvalSize = 224, Eval = new() { ProbeShots = [1, 4] } }, results);
        Assert.Contains("\n- at 224 px, uft against as shipped: retrieval -3.0, BCubed P -5.0, 1-shot -2.0: below on all\n", md);
        Assert.True(md.IndexOf("- at 112 px", StringComparison.Ordinal) > md.IndexOf("At 224 px", StringComparison.Ordinal));
    }
}
