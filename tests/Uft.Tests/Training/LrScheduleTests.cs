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
    public void StretchedWhileEveryEpochTrainedHadThePeakIsMoCosScheduleOfTheNewLength()
    {
        var s = new LrSchedule(0.03, 10).Stretched(1, 20);
        Assert.Empty(s.Bends);
        Assert.Equal(20, s.Epochs);
        Assert.Equal(0.015 * (1 + Math.Cos(Math.PI / 20)), s.At(1), 12);
        // With 2 warmup epochs, the third (the cosine's first, at the peak) is the last that any length trains alike.
        var warm = new LrSchedule(0.03, 12, 2);
        Assert.Empty(warm.Stretched(3, 20).Bends);
        var bent = warm.Stretched(4, 20);
        Assert.Equal([new CosinePoint(4, 0.2 * Math.PI)], bent.Bends);                   // pi x 2/10
        Assert.Equal(0.02, bent.At(1), 12);                                               // the warmup as before
        Assert.Equal(0.015 * (1 + Math.Cos(0.1 * Math.PI)), bent.At(3), 12);              // the epochs trained keep their rates
        Assert.Equal(0.015 * (1 + Math.Cos(0.2 * Math.PI + 0.8 * Math.PI / 16)), bent.At(5), 12);
    }

    [Fact]
    public void StretchedLaterContinuesTheCosineFromTheRateItHad()
    {
        var ten = new LrSchedule(0.03, 10);
        // After 4 of 10 epochs (phase 0.4 pi) the run becomes 8 long: the phase runs from 0.4 pi to pi over epochs 4-8.
        var eight = ten.Stretched(4, 8);
        Assert.Equal([new CosinePoint(4, 0.4 * Math.PI)], eight.Bends);
        Assert.Equal(ten.At(4), eight.At(4), 12);                                      // 0.015 x (1 + cos 0.4 pi) = 0.019635
        Assert.Equal(0.015 * (1 + Math.Cos(0.7 * Math.PI)), eight.At(6), 12);          // 0.4 pi + 0.6 pi x 2/4: 0.006183
        Assert.Equal(0.0, eight.At(8), 12);
        Assert.Equal(ten.At(2), eight.At(2), 12);                                      // the epochs before keep their rates
        // A second stretch continues from the first's curve: at epoch 6 (0.7 pi) to 12 epochs, epoch 9 is at 0.85 pi; every
        // epoch before keeps the rate it trained at, so the schedule reproduces the whole run.
        var twelve = eight.Stretched(6, 12);
        Assert.Equal([new CosinePoint(4, 0.4 * Math.PI), new CosinePoint(6, 0.7 * Math.PI)], twelve.Bends);
        Assert.Equal(0.015 * (1 + Math.Cos(0.85 * Math.PI)), twelve.At(9), 12);
        for (int e = 0; e <= 4; e++) Assert.Equal(ten.At(e), twelve.At(e), 12);
        for (int e = 4; e <= 6; e++) Assert.Equal(eight.At(e), twelve.At(e), 12);
    }

    // A --minutes check may end the run where it stands: with --head-warmup the first check comes after the first
    // whole-network epoch, past the cosine's first, and CI's slow machine chose to stop there (2026-12-03): the bend at the
    // last epoch was refused as a usage error after training (exit 2). Such a schedule keeps the rates the run trained at.
    [Fact]
    public void StretchedToWhereItStandsEndsTheRunAndKeepsItsRates()
    {
        var ten = new LrSchedule(0.03, 10);
        var three = ten.Stretched(3, 3);
        Assert.Equal(3, three.Epochs);
        Assert.Equal([new CosinePoint(3, 0.3 * Math.PI)], three.Bends);
        for (int e = 0; e < 3; e++) Assert.Equal(ten.At(e), three.At(e), 12);
        Assert.Equal(0.015 * (1 + Math.Cos(0.3 * Math.PI)), three.At(3), 12);           // no epoch after the end: the bend's rate
        // After a bend, a later one at the end (the later checks never choose it, but a resume reads what config.json says).
        var eight = ten.Stretched(4, 8).Stretched(6, 6);
        for (int e = 0; e < 6; e++) Assert.Equal(ten.Stretched(4, 8).At(e), eight.At(e), 12);
        // config.json of such a run validates, so it can be resumed or rerun.
        new TrainConfig { Target = "t", Source = "s", Epochs = 3, CosineBends = three.Bends }.Validate();
    }

    [Fact]
    public void BadBendsAreUsageErrors()
    {
        var e = Assert.Throws<UftException>(() => new LrSchedule(0.03, 3, 0, [new CosinePoint(4, 1.0)]));
        Assert.Contains("--epochs 3: the run's --minutes re-plan bent its cosine at epoch 4; give 4 epochs or more", e.Message);
        Assert.Contains("--epochs 4: the run's --minutes re-plan bent its cosine at epoch 5",
            Assert.Throws<UftException>(() => new TrainConfig { Target = "t", Epochs = 4, CosineBends = [new CosinePoint(5, 1.0)] }.Validate()).Message);
        // A phase that is not a number, out of order, or in the warmup.
        Assert.Contains("cosineBends: point 1", Assert.Throws<UftException>(() => new LrSchedule(0.03, 10, 0, [new CosinePoint(2, double.NaN)])).Message);
        Assert.Contains("cosineBends: point 2", Assert.Throws<UftException>(() => new LrSchedule(0.03, 10, 0, [new CosinePoint(4, 1.0), new CosinePoint(3, 1.2)])).Message);
        Assert.Contains("cosineBends: point 1", Assert.Throws<UftException>(() => new LrSchedule(0.03, 10, 2, [new CosinePoint(2, 0.5)])).Message);
    }
}
