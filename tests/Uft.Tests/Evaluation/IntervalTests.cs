using Uft.Evaluation;

namespace Uft.Tests.Evaluation;

/// <summary>The 95% intervals every figure carries, the paired changes between evaluations, and how many draws an
/// evaluation makes (issue 37): hand-computed cases.</summary>
public class IntervalTests
{
    [Theory]
    [InlineData(1, 12.7062)]
    [InlineData(2, 4.3027)]
    [InlineData(9, 2.2622)]
    [InlineData(30, 2.0423)]
    // Beyond the table, the expansion: exact values 2.0211, 1.9840, 1.9623 (scipy.stats.t.ppf(0.975, df)).
    [InlineData(40, 2.0211)]
    [InlineData(100, 1.9840)]
    [InlineData(1000, 1.9623)]
    public void TheTQuantileMatchesStudentsT(int df, double expected) => Assert.Equal(expected, Interval.T975(df), 3);

    [Fact]
    public void TheIntervalOfAMeanIsTTimesTheStandardError()
    {
        // Mean 0.6, sample sd 0.1, se 0.1/√3 = 0.0577350; half-width 4.3027 · 0.0577350 = 0.2484165.
        var i = Interval.OfMean([0.5, 0.7, 0.6])!.Value;
        Assert.Equal(0.6 - 0.2484165, i.Low, 5);
        Assert.Equal(0.6 + 0.2484165, i.High, 5);
        Assert.Equal(0.0577350, Interval.StandardError([0.5, 0.7, 0.6]), 6);
        Assert.Null(Interval.OfMean([0.5]));
        Assert.True(double.IsNaN(Interval.StandardError([0.5])));
        Assert.Equal(1, i.Sign); // the whole interval lies above zero
        Assert.Equal(0, new Interval(-0.01, 0.02).Sign);
        Assert.Equal(1, new Interval(0.01, 0.02).Sign);
        Assert.Equal(-1, new Interval(-0.02, -0.01).Sign);
    }

    [Fact]
    public void APairedChangeCancelsWhatTheDrawsShare()
    {
        // Three trials whose difficulty moves both backbones alike: each trial the second is 0.01 above the first.
        var first = MetricSummary.Of([0.50, 0.70, 0.60]);
        var second = MetricSummary.Of([0.51, 0.71, 0.61]);
        var change = second.Against(first);
        Assert.Equal(0.01, change.Delta, 12);
        // The differences are all 0.01: no spread, so the interval is the point and excludes zero.
        Assert.Equal(1, change.Sign);
        Assert.Equal("+1.0 (±0.0)", change.Format());
        // Unpaired, the two could not be told apart: each mean's own interval is ±24.8 points, and they overlap.
        Assert.Equal(0.2484, first.Ci!.Value.HalfWidth, 4);
        Assert.True(first.Ci!.Value.High > second.Ci!.Value.Low);
    }

    [Fact]
    public void TrialsAndSeedsPairOnTheDrawsBothMadeAndQueriesOnlyWhenTheyMatch()
    {
        // Adaptive draws stop at different counts; draw i is the same draw in both, so the first two pair.
        var a = MetricSummary.Of([0.60, 0.62, 0.90], MetricSummary.Seed);
        var b = MetricSummary.Of([0.58, 0.61], MetricSummary.Seed);
        var change = a.Against(b);
        Assert.Equal(0.015, change.Delta, 12); // (0.02 + 0.01) / 2, not the difference of the means
        Assert.NotNull(change.Ci);
        // Queries of different test sets never pair; nor do draws of different kinds.
        var q = MetricSummary.OverQueries([1, 0, 1]);
        Assert.Null(q.Against(MetricSummary.OverQueries([1, 0])).Ci);
        Assert.Null(q.Against(MetricSummary.Of([1.0, 0.0, 1.0])).Ci);
        Assert.Equal("+16.7 (unpaired)", q.Against(MetricSummary.OverQueries([1, 0])).Format());
    }

    [Fact]
    public void AFixedRuleMakesItsCountAndTheAdaptiveOneStopsAtItsErrorOrItsBounds()
    {
        Assert.True(DrawRule.Fixed(3).More([0.1, 0.2]));
        Assert.False(DrawRule.Fixed(3).More([0.1, 0.2, 0.3]));
        var rule = new DrawRule { TargetError = 0.003, Min = 4, Max = 6 };
        // Identical draws: the error is 0, but never fewer than Min.
        Assert.True(rule.More([0.5, 0.5, 0.5]));
        Assert.False(rule.More([0.5, 0.5, 0.5, 0.5]));
        // Draws 10 points apart: se 0.05/√... far above 0.003, so on to Max and no further.
        Assert.True(rule.More([0.4, 0.5, 0.6, 0.5, 0.4]));
        Assert.False(rule.More([0.4, 0.5, 0.6, 0.5, 0.4, 0.6]));
        Assert.Equal("until the standard error of the mean is at most 0.3 points (20 to 400)", DrawRule.Adaptive.Describe());
    }
}
