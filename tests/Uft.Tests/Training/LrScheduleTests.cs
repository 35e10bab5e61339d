using Uft.Training;

namespace Uft.Tests.Training;

public class LrScheduleTests
{
    [Fact]
    public void LinearScalingRule()
    {
        Assert.Equal(0.00375, LrSchedule.Scaled(LrSchedule.FinetuneBase, 64), 1e-12);  // 0.015 * 64 / 256
        Assert.Equal(0.03, LrSchedule.Scaled(LrSchedule.PretrainBase, 256), 1e-12);
        Assert.Equal(0.06, LrSchedule.Scaled(LrSchedule.PretrainBase, 512), 1e-12);
    }

    [Fact]
    public void CosineAsMoCo()
    {
        var s = new LrSchedule(0.03, 10);
        Assert.Equal(0.03, s.At(0), 1e-12);
        Assert.Equal(0.015, s.At(5), 1e-12);                           // 0.03 * 0.5 * (1 + cos(pi/2))
        Assert.Equal(0.015 * (1 + Math.Sqrt(0.5)), s.At(2.5), 1e-12);   // cos(pi/4) = 0.7071: 0.025607
        Assert.Equal(0.0, s.At(10), 1e-12);
        Assert.Equal(0.03 * 0.5 * (1 + Math.Cos(Math.PI * 0.9)), s.At(9), 1e-12); // last epoch: 0.000734
    }

    [Fact]
    public void WarmupRisesLinearlyThenCosineOverTheRest()
    {
        var s = new LrSchedule(0.03, 12, warmupEpochs: 2);
        Assert.Equal(0.01, s.At(0), 1e-12);   // 0.03 * 1/3
        Assert.Equal(0.02, s.At(1), 1e-12);   // 0.03 * 2/3
        Assert.Equal(0.03, s.At(2), 1e-12);   // cosine starts
        Assert.Equal(0.015, s.At(7), 1e-12);  // halfway through the 10 cosine epochs
    }

    [Fact]
    public void BadValuesAreUsageErrors()
    {
        Assert.Contains("--warmup-epochs", Assert.Throws<UftException>(() => new LrSchedule(0.1, 5, 5)).Message);
        Assert.Contains("--epochs", Assert.Throws<UftException>(() => new LrSchedule(0.1, 0)).Message);
        Assert.Contains("--lr", Assert.Throws<UftException>(() => new LrSchedule(-1, 5)).Message);
    }

    [Fact]
    public void ACutRunKeepsTheRatesOfTheCosineItPlanned()
    {
        // A --minutes deadline ended an 11-epoch plan after 7: config.json's cosineEpochs keeps the 11-epoch rates.
        var c = new TrainConfig { Target = "t", Source = "s", Epochs = 7, CosineEpochs = 11 }.Validate();
        var planned = new LrSchedule(0.03, 11);
        for (int e = 0; e < 7; e++) Assert.Equal(planned.At(e), c.Schedule(0.03).At(e), 12);
        Assert.Equal(0.03 * 0.5 * (1 + Math.Cos(Math.PI * 6 / 11)), c.Schedule(0.03).At(6), 12);
    }
}
