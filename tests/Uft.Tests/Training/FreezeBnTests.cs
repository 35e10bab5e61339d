using Uft.Models;
using Uft.Pretrained;
using Uft.Tests.Reliability;
using Uft.Training;
using static TorchSharp.torch;

namespace Uft.Tests.Training;

/// <summary>--bn keep: a finetuning run keeps the backbone's batch-norm statistics and still trains everything else.</summary>
[Collection(SerialCollection.Name)]
public sealed class FreezeBnTests
{
    static readonly string Target = SmallRun.Target(16);

    // Finetunes the weight-free ResNet-18 (running mean 0, variance 1, so any update shows) for 2 steps at 32 px.
    static Dictionary<string, Tensor> Finetune(bool freeze)
    {
        var config = TrainConfig.ApplyPreset(new TrainConfig
        {
            Name = freeze ? "frozen" : "train-mode", OutputRoot = Paths.TempDir(), Target = Target, Backbone = "resnet18",
            Epochs = 1, ImageSize = 32, BatchSize = 8, BnSplits = 1, Workers = 1, Seed = 1, FreezeBn = freeze,
            FreezeStages = 0, // every stage's statistics and weights are under test, not only layer4's
        }, "naive");
        var result = new Trainer(config).Train();
        var (model, _) = Backbones.Load(result.BackboneFile!);
        using (model) return model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
    }

    [Fact]
    public void FrozenRunKeepsRunningStatisticsAndTrainsTheWeights()
    {
        var frozen = Finetune(freeze: true);
        var trained = Finetune(freeze: false);
        using var initial = ResNet.ResNet18();
        var start = initial.state_dict();
        foreach (var key in frozen.Keys.Where(k => k.EndsWith("running_mean") || k.EndsWith("running_var")))
        {
            Assert.True(frozen[key].equal(start[key]).all().item<bool>(), key + " moved with --bn keep");
            Assert.False(trained[key].equal(start[key]).all().item<bool>(), key + " should move in train mode");
        }
        // Convolutions and BN scale/shift still learn.
        Assert.False(frozen["conv1.weight"].equal(start["conv1.weight"]).all().item<bool>());
        Assert.False(frozen["bn1.weight"].equal(start["bn1.weight"]).all().item<bool>());
    }

    [Fact]
    public void FreezingStatisticsOfRandomWeightsIsAUsageError()
    {
        var config = TrainConfig.ApplyPreset(new TrainConfig { Target = Target, FreezeBn = true }, "scratch");
        var e = Assert.Throws<UftException>(() => config.Validate());
        Assert.Contains("--bn keep", e.Message);
    }

    [Fact]
    public void StatisticsAreKeptByDefaultForPretrainedWeightsOnlyAndTrainBnTurnsThatOff()
    {
        Assert.True(TrainConfig.ApplyPreset(new TrainConfig { Target = Target }, "uft").FreezesBn);
        Assert.True(TrainConfig.ApplyPreset(new TrainConfig { Target = Target }, "naive").FreezesBn);
        Assert.False(TrainConfig.ApplyPreset(new TrainConfig { Target = Target }, "scratch").FreezesBn);
        Assert.False(TrainConfig.ApplyPreset(new TrainConfig { Target = Target, FreezeBn = false }, "uft").FreezesBn);
        // A comparison's scratch arm never freezes, whatever the comparison asks.
        var cmp = new Uft.Experiments.ComparisonConfig { Train = "t", Test = "v", FreezeBn = true };
        Assert.False(cmp.TrainFor("scratch").FreezesBn);
        Assert.True(cmp.TrainFor("naive").FreezesBn);
    }
}
