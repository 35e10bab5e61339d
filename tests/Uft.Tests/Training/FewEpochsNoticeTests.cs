using Uft.Training;

namespace Uft.Tests.Training;

/// <summary>The study's evidence as a notice: a mixing run of fewer than 50 epochs (UFT was level with naive up to 45 on
/// caltech101 and led it with 100) is told it is short.</summary>
public class FewEpochsNoticeTests
{
    [Theory]
    [InlineData("uft", 3, null, "only 3 epochs", "--epochs")]
    [InlineData("uft", 4, 5.0, "only 4 epochs", "--minutes")]
    [InlineData("mix-only", 1, null, "only 1 epoch:", "--epochs")]
    [InlineData("uft", 15, 15.0, "only 15 epochs", "--minutes")]
    [InlineData("uft", 49, null, "only 49 epochs", "--epochs")]
    public void ShortMixingRunsAreWarned(string preset, int epochs, double? minutes, string start, string remedy)
    {
        var c = TrainConfig.ApplyPreset(new TrainConfig { Target = "t", Epochs = epochs, Minutes = minutes }, preset);
        string notice = Assert.IsType<string>(TrainConfig.TooFewEpochsToMix(c));
        Assert.StartsWith(start, notice);
        Assert.Contains($"give more {remedy}", notice);
        Assert.Contains("led it at the training size only with 100", notice);
    }

    [Theory]
    [InlineData("uft", 50)]
    [InlineData("uft", 100)]
    [InlineData("naive", 20)]
    [InlineData("naive", 2)]
    [InlineData("replay-only", 2)]
    public void LongOrUnmixedRunsAreNot(string preset, int epochs) =>
        Assert.Null(TrainConfig.TooFewEpochsToMix(TrainConfig.ApplyPreset(new TrainConfig { Target = "t", Epochs = epochs }, preset)));

    // A --minutes run planned at 50 or more and re-planned under them is told then (the notice at its start was silent);
    // one told at its start is not told again, and a naive run never.
    [Theory]
    [InlineData("uft", 52, 45, "only 45 epochs")]
    [InlineData("uft", 50, 49, "only 49 epochs")]
    [InlineData("uft", 45, 40, null)]
    [InlineData("uft", 60, 55, null)]
    [InlineData("uft", 40, 60, null)]
    [InlineData("naive", 60, 40, null)]
    public void AReplanUnderFiftyEpochsIsWarnedOnce(string preset, int planned, int replanned, string? start)
    {
        var c = TrainConfig.ApplyPreset(new TrainConfig { Target = "t", Epochs = planned, Minutes = 15 }, preset);
        string? notice = TrainConfig.TooFewEpochsAfterReplan(c, replanned);
        if (start is null) Assert.Null(notice);
        else
        {
            Assert.StartsWith(start, notice);
            Assert.Contains("give more --minutes", notice);
        }
    }
}
