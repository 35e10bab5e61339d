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
        Assert.Throws<ArgumentOutOfRangeException>(() => FrozenStages.Prefixes(4)); // layer4 and the head always train
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
