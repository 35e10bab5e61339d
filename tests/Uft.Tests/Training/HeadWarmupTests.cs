using Uft.Pretrained;
using Uft.Tests.Reliability;
using Uft.Training;
using static TorchSharp.torch;

namespace Uft.Tests.Training;

/// <summary>--head-warmup: the first epochs train only the projection head, so the pretrained backbone comes out of them
/// exactly as it went in; the epochs after train it.</summary>
[Collection(SerialCollection.Name)]
public sealed class HeadWarmupTests
{
    [Fact]
    public void TheBackboneStaysAsPretrainedThroughTheHeadEpochsThenTrains()
    {
        var notices = new List<string>();
        var config = TrainConfig.ApplyPreset(new TrainConfig
        {
            Name = "head", OutputRoot = Paths.TempDir(), Target = SmallRun.Target(32), ImageSize = 32, BatchSize = 16,
            Workers = 1, Seed = 2, Epochs = 3, HeadWarmup = 0.34, CheckpointEvery = 1,
            FreezeStages = 0, // the whole backbone must stay put through the head epochs, then train
        }, "naive");
        var result = new Trainer(config, notice: notices.Add).Train();
        Assert.Contains(notices, n => n.StartsWith("head warm-up: the first 1 of 3 epochs"));

        using var scope = NewDisposeScope();
        var (pretrained, _) = Backbones.Load(config.Backbone);
        var start = pretrained.state_dict();
        var (afterHead, _) = Checkpoint.Load(Path.Combine(result.RunFolder, "checkpoints", "epoch-0001.safetensors"));
        foreach (var (key, value) in start)
            Assert.True(value.equal(afterHead["encoder_q." + key]).all().item<bool>(), $"{key} moved in the head-only epoch");
        var (afterAll, _) = Checkpoint.Load(Path.Combine(result.RunFolder, "checkpoints", "epoch-0002.safetensors"));
        Assert.False(start["conv1.weight"].equal(afterAll["encoder_q.conv1.weight"]).all().item<bool>(), "conv1 should train after the head epochs");
        Assert.False(afterHead["encoder_q.fc.0.weight"].equal(afterAll["encoder_q.fc.0.weight"]).all().item<bool>());
        foreach (var t in afterHead.Values.Concat(afterAll.Values)) t.Dispose();
        pretrained.Dispose();
    }

    /// <summary>The default since the budget study's freeze3 cells: from pretrained weights only layer4 (and the head)
    /// train, and config.json writes the frozen stages out rather than leaving them to a default that may change.</summary>
    [Fact]
    public void ByDefaultOnlyLayer4TrainsAndConfigJsonSaysSo()
    {
        var config = TrainConfig.ApplyPreset(new TrainConfig
        {
            Name = "default", OutputRoot = Paths.TempDir(), Target = SmallRun.Target(32), ImageSize = 32, BatchSize = 16,
            Workers = 1, Seed = 3, Epochs = 1,
        }, "naive");
        var result = new Trainer(config).Train();
        Assert.Equal(3, TrainConfig.Load(Path.Combine(result.RunFolder, "config.json")).FreezeStages);

        using var scope = NewDisposeScope();
        var (pretrained, _) = Backbones.Load(config.Backbone);
        var (finetuned, _) = Backbones.Load(result.BackboneFile!);
        var before = pretrained.state_dict();
        var after = finetuned.state_dict();
        foreach (var key in before.Keys.Where(k => !k.StartsWith("layer4.") && !k.StartsWith("fc.")))
            Assert.True(before[key].equal(after[key]).all().item<bool>(), $"{key} moved, but only layer4 trains by default");
        Assert.False(before["layer4.1.conv2.weight"].equal(after["layer4.1.conv2.weight"]).all().item<bool>(), "layer4 should train");
        pretrained.Dispose();
        finetuned.Dispose();
    }
}
