using Uft.Data;
using Uft.Evaluation;
using Uft.Models;
using static TorchSharp.torch;

namespace Uft.Tests.Evaluation;

/// <summary>Mechanics of the protocols that train: a ResNet-18 at 32 px on 2-class synthetic images, a few steps.</summary>
[Collection(SerialCollection.Name)]
public class FinetuningProtocolTests
{
    static readonly string Dir = Paths.TempDir();
    static readonly List<ImageItem> Train = SyntheticImages.Write(Path.Combine(Dir, "train"), perClass: 6, seed: 1);
    static readonly List<ImageItem> Test = SyntheticImages.Write(Path.Combine(Dir, "test"), perClass: 5, seed: 2);
    static readonly IViewTransform Eval = new SyntheticImages.NearestTransform(32);
    static readonly IViewTransform Augment = new SyntheticImages.NearestTransform(32, flip: true);

    static ResNet NewBackbone()
    {
        random.manual_seed(0);
        return ResNet.ResNet18();
    }

    /// <summary>A random ResNet's batch-norm running statistics (mean 0, var 1) are far from its batch statistics,
    /// so eval-mode features would not match what the classifier learnt on; a pretrained backbone has them settled.
    /// Settle them on the train images, as pretraining would.</summary>
    static ResNet SettledBackbone()
    {
        var net = NewBackbone();
        var images = Train.Select(i => ImageDecoder.Decode(i.Path)).ToList();
        var pixels = new float[images.Count * 3 * 32 * 32];
        for (int i = 0; i < images.Count; i++) Eval.Apply(images[i], new Random(0), pixels.AsSpan(i * 3 * 32 * 32, 3 * 32 * 32));
        using var x = tensor(pixels, [images.Count, 3, 32, 32]);
        net.train();
        using (no_grad())
            for (int i = 0; i < 25; i++) net.call(x).Dispose();
        return net;
    }

    [Fact]
    public void FeaturesAreNormalisedDeterministicAndLeaveTrainingModeAlone()
    {
        using var net = NewBackbone();
        net.train();
        var (f1, labels) = Features.Extract(net, Test, Eval, batchSize: 4);
        var (f2, _) = Features.Extract(net, Test, Eval, batchSize: 7);
        using (f1) using (f2)
        {
            Assert.Equal(new long[] { 10, 512 }, f1.shape);
            Assert.Equal(Test.Select(i => i.Label), labels);
            Assert.True((f1.norm(1) - 1).abs().max().item<float>() < 1e-5);
            // Eval mode: batch composition does not change an image's features.
            Assert.True((f1 - f2).abs().max().item<float>() < 1e-5);
            Assert.True(net.training);
        }
    }

    [Fact]
    public void KShotTransferLearnsASeparableSetReproduciblyAndRestoresTheBackbone()
    {
        using var net = SettledBackbone();
        var before = net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        // All 6 train images a class in one batch, so batch statistics match the settled running statistics.
        var options = new KShotOptions { Shots = [6], Trials = 2, Epochs = 3, BatchSize = 12, EvalBatchSize = 16 };
        var result = Assert.Single(KShotTransfer.Run(net, Train, Test, 2, Augment, Eval, options));
        Assert.Equal(6, result.Shots);
        Assert.Equal(2, result.Top1.Values.Length);
        Assert.True(result.Top1.Mean >= 0.9, $"top-1 {result.Top1}");
        foreach (var (name, value) in net.state_dict())
            Assert.True(value.equal(before[name]).all().item<bool>(), name + " changed");

        // A trial is reproducible from its seed; with the classifier frozen at its random start it stays lower.
        var again = KShotTransfer.RunTrial(net, Train, Test, 2, 6, seed: 5, Augment, Eval, options);
        FineTuningRestore(net, before);
        var trained = KShotTransfer.RunTrial(net, Train, Test, 2, 6, seed: 5, Augment, Eval, options);
        FineTuningRestore(net, before);
        Assert.Equal(again, trained);
        var (chance, _) = KShotTransfer.RunTrial(net, Train, Test, 2, 6, seed: 5, Augment, Eval, options with { Epochs = 1, LrHead = 1e-12, LrBackbone = 0 });
        Assert.True(trained.Top1 > chance, $"trained {trained.Top1} vs untrained {chance}");
    }

    [Theory]
    [InlineData(203, 64, new[] { 51, 51, 51, 50 })]
    [InlineData(202, 64, new[] { 51, 51, 50, 50 })]
    [InlineData(128, 64, new[] { 64, 64 })]
    [InlineData(10, 64, new[] { 10 })]
    [InlineData(65, 64, new[] { 33, 32 })]
    public void EvenBatchesLeaveNoSmallRemainder(int count, int maxSize, int[] sizes)
    {
        var items = Enumerable.Range(0, count).ToList();
        var batches = FineTuning.EvenBatches(items, maxSize);
        Assert.Equal(sizes, batches.Select(b => b.Count));
        Assert.Equal(items, batches.SelectMany(b => b));
    }

    [Fact]
    public void FrozenBatchNormKeepsItsRunningStatisticsWhileTheRestTrains()
    {
        using var net = NewBackbone();
        using var x = randn(8, 3, 32, 32) * 3 + 1;
        var mean = net.named_buffers().First(b => b.name.EndsWith("running_mean")).buffer;
        using var before = mean.clone();
        net.train();
        FrozenBatchNorm.Apply(net);
        using (var y = net.call(x)) y.sum().backward();
        Assert.True(mean.equal(before).all().item<bool>(), "frozen running mean moved");
        Assert.True(net.training);
        Assert.NotNull(net.parameters().First().grad);

        net.train();
        using (no_grad()) net.call(x).Dispose();
        Assert.False(mean.equal(before).all().item<bool>(), "train-mode batch norm should move the running mean");
    }

    static void FineTuningRestore(ResNet net, Dictionary<string, Tensor> weights)
    {
        using var _ = no_grad();
        foreach (var (name, value) in net.state_dict()) value.copy_(weights[name]);
    }

    [Fact]
    public void FixMatchRunsReproduciblyAndRestoresTheBackbone()
    {
        using var net = NewBackbone();
        var before = net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var options = new FixMatchOptions { Shots = [1], Steps = 3, BatchSize = 2, Mu = 2, Threshold = 0.5, EvalBatchSize = 16 };
        var a = FixMatch.Run(net, Train, Test, 2, Augment, Augment, Eval, options);
        var b = FixMatch.Run(net, Train, Test, 2, Augment, Augment, Eval, options);
        var result = Assert.Single(a);
        Assert.InRange(result.Top1.Mean, 0, 1);
        Assert.Equal(a[0].Top1.Values, b[0].Top1.Values);
        foreach (var (name, value) in net.state_dict())
            Assert.True(value.equal(before[name]).all().item<bool>(), name + " changed");
    }
}
