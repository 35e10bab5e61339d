using Uft.Method;
using Uft.Models;
using Uft.Training;
using static TorchSharp.torch;

namespace Uft.Tests.Method;

/// <summary>--freeze-stages: the stem and the first stages keep their weights and batch-norm statistics through real
/// training steps, in train-mode batch norm too, while the later stages and the head train.</summary>
public class FrozenStagesTests
{
    [Fact]
    public void PrefixesNameTheStemAndTheFirstStages()
    {
        Assert.Empty(FrozenStages.Prefixes(0));
        Assert.Equal(["conv1.", "bn1.", "layer1."], FrozenStages.Prefixes(1));
        Assert.Equal(["conv1.", "bn1.", "layer1.", "layer2.", "layer3."], FrozenStages.Prefixes(3));
        Assert.Equal(["conv1.", "bn1.", "layer1.", "layer2.", "layer3.", "layer4."], FrozenStages.Prefixes(FrozenStages.All));
        Assert.Throws<ArgumentOutOfRangeException>(() => FrozenStages.Prefixes(5));
    }

    [Fact]
    public void FrozenStagesStayAsTheyWereWhileTheRestTrains()
    {
        manual_seed(0);
        // Two splits of train-mode batch norm: without the freeze, every running statistic would move.
        using var moco = MoCoTests.Tiny(queue: 8);
        moco.FreezeStages(2);
        var before = moco.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var trained = moco.QueryParameters().Select(p => p.Name).ToList();
        Assert.DoesNotContain(trained, n => n.StartsWith("encoder_q.conv1.") || n.StartsWith("encoder_q.layer1.") || n.StartsWith("encoder_q.layer2."));
        Assert.Contains("encoder_q.layer3.0.conv1.weight", trained);
        Assert.Contains("encoder_q.fc.0.weight", trained);
        var sgd = new MomentumSgd(moco.QueryParameters(), 0.5);
        using var x = randn(4, 3, 32, 32);
        for (int i = 0; i < 3; i++)
        {
            moco.train();
            moco.FreezeStages(2);
            sgd.ZeroGrad();
            using var r = moco.Step(x, x.flip(3), new Random(i), new MixingOptions());
            r.Loss.backward();
            sgd.Step();
            moco.MomentumUpdate();
        }
        var after = moco.state_dict();
        foreach (var encoder in new[] { "encoder_q.", "encoder_k." })
        {
            foreach (var prefix in FrozenStages.Prefixes(2))
                foreach (var key in before.Keys.Where(k => k.StartsWith(encoder + prefix)))
                    Assert.True(before[key].equal(after[key]).all().item<bool>(), $"{key} changed");
            // Weights and statistics after the frozen stages did change.
            Assert.False(before[encoder + "layer3.0.conv1.weight"].equal(after[encoder + "layer3.0.conv1.weight"]).all().item<bool>());
        }
        Assert.False(before["encoder_q.layer4.0.bn1.running_mean"].equal(after["encoder_q.layer4.0.bn1.running_mean"]).all().item<bool>());
        foreach (var t in before.Values) t.Dispose();
    }

    [Fact]
    public void TheWholeBackboneFreezesForTheHeadAloneAndThawsAgain()
    {
        manual_seed(1);
        using var moco = MoCoTests.Tiny(queue: 8);
        moco.FreezeStages(FrozenStages.All);
        Assert.All(moco.QueryParameters(), p => Assert.StartsWith("encoder_q.fc.", p.Name));
        var before = moco.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var sgd = new MomentumSgd(moco.QueryParameters(), 0.5);
        using var x = randn(4, 3, 32, 32);
        moco.train();
        moco.FreezeStages(FrozenStages.All);
        sgd.ZeroGrad();
        using (var r = moco.Step(x, x.flip(3), new Random(0), new MixingOptions())) r.Loss.backward();
        sgd.Step();
        var after = moco.state_dict();
        foreach (var key in before.Keys.Where(k => k.StartsWith("encoder_q.") && !k.StartsWith("encoder_q.fc.")))
            Assert.True(before[key].equal(after[key]).all().item<bool>(), $"{key} changed");
        Assert.False(before["encoder_q.fc.0.weight"].equal(after["encoder_q.fc.0.weight"]).all().item<bool>());
        // Then everything trains again, and the key encoder still takes no gradients.
        moco.FreezeStages(0);
        Assert.Equal(moco.named_parameters().Count(p => p.name.StartsWith("encoder_q.")), moco.QueryParameters().Count());
        Assert.All(moco.named_parameters().Where(p => p.name.StartsWith("encoder_k.")), p => Assert.False(p.parameter.requires_grad));
        foreach (var t in before.Values) t.Dispose();
    }

    [Theory]
    [InlineData(0.0, 10, 0)]
    [InlineData(0.2, 10, 2)]
    [InlineData(0.01, 10, 1)]   // asked for: at least one
    [InlineData(0.9, 4, 3)]     // round(3.6) = 4 leaves none for the network: 3
    [InlineData(0.5, 1, 0)]     // a one-epoch run: none
    public void HeadEpochsAreAShareOfTheRun(double share, int epochs, int expected) =>
        Assert.Equal(expected, new TrainConfig { Target = "t", HeadWarmup = share, Epochs = epochs }.HeadEpochs);

    [Theory]
    [InlineData(1.0, "naive")]
    [InlineData(-0.1, "naive")]
    [InlineData(0.2, "scratch")]
    public void HeadWarmupOutsideItsRangeOrFromScratchIsAUsageError(double share, string preset) =>
        Assert.StartsWith("--head-warmup", Assert.Throws<UftException>(() =>
            TrainConfig.ApplyPreset(new TrainConfig { Target = "t", HeadWarmup = share }, preset).Validate()).Message);

    [Fact]
    public void FreezingStagesNeedsPretrainedWeights()
    {
        var scratch = TrainConfig.ApplyPreset(new TrainConfig { Target = "t", FreezeStages = 1 }, "scratch");
        Assert.StartsWith("--freeze-stages 1", Assert.Throws<UftException>(() => scratch.Validate()).Message);
        TrainConfig.ApplyPreset(new TrainConfig { Target = "t", FreezeStages = 3 }, "naive").Validate();
    }

    [Fact]
    public void ByDefaultPretrainedRunsFreezeTheDefaultStagesAndRunsFromScratchNone()
    {
        Assert.Equal(TrainConfig.DefaultFreezeStages, TrainConfig.ApplyPreset(new TrainConfig { Target = "t" }, "uft").FrozenStageCount);
        Assert.Equal(TrainConfig.DefaultFreezeStages, TrainConfig.ApplyPreset(new TrainConfig { Target = "t" }, "naive").FrozenStageCount);
        Assert.Equal(0, TrainConfig.ApplyPreset(new TrainConfig { Target = "t" }, "scratch").FrozenStageCount);
        Assert.Equal(0, TrainConfig.ApplyPreset(new TrainConfig { Target = "t", FreezeStages = 0 }, "uft").FrozenStageCount);
    }

    [Fact]
    public void AComparisonFreezesTheStagesItIsGivenInEveryFinetunedArmButScratch()
    {
        var cmp = new Uft.Experiments.ComparisonConfig { Train = "t", Test = "v", FreezeStages = 2 };
        Assert.Equal(2, cmp.TrainFor("naive").FrozenStageCount);
        Assert.Equal(2, cmp.TrainFor("uft").FrozenStageCount);
        Assert.Equal(0, cmp.TrainFor("scratch").FrozenStageCount);
        Assert.Equal(TrainConfig.DefaultFreezeStages, (cmp with { FreezeStages = null }).TrainFor("uft").FrozenStageCount);
    }
}
