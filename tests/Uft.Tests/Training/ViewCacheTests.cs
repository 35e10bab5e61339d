using Uft.Data;
using Uft.Data.Augmentations;
using Uft.Tests.Reliability;
using Uft.Training;
using static TorchSharp.torch;
using ResNet = Uft.Models.ResNet;

namespace Uft.Tests.Training;

/// <summary>The view cache (--cached-views): the network continued from a cached stage is the whole network, and each
/// step's query and key are two different cached views of its image, as the frozen stages make them.</summary>
[Collection(SerialCollection.Name)] // seeds torch's process-wide generator to build the model
public sealed class ViewCacheTests : IDisposable
{
    readonly string target = SmallRun.Target(10);

    [Fact]
    public void TheNetworkContinuedFromAnyStageIsTheWholeNetwork()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var net = ResNet.ResNet18();
        net.eval();
        using var _ = no_grad();
        var x = randn(2, 3, 64, 64);
        var whole = net.call(x);
        for (int k = 1; k <= 4; k++)
        {
            var h = net.Stages(x, k);
            Assert.Equal(64L << (k - 1), h.shape[1]);
            Assert.True(net.Forward(h, k).equal(whole).all().item<bool>(), $"from stage {k}");
        }
    }

    [Fact]
    public void AViewsMapHoldsItsValuesOnceInHalfPrecision()
    {
        using var net = ResNet.ResNet18();
        // ResNet-18's layer3 output: 256 channels at 1/16 of the size.
        Assert.Equal(256 * 7 * 7, ViewCache.ElementsPerView(net, 3, 112));
        Assert.Equal(256 * 14 * 14, ViewCache.ElementsPerView(net, 3, 224));
        Assert.Equal(2L * 3030 * 8 * 256 * 14 * 14, ViewCache.BytesFor(3030, 8, 256 * 14 * 14)); // caltech101 at 224 px: 2.4 GB
    }

    [Fact]
    public void EachStepsQueryAndKeyAreTwoDifferentOfItsImagesViewsThroughTheFrozenStages()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var net = ResNet.ResNet18();
        net.eval();
        var items = ImageFolder.Unlabeled(target).Items;
        var view = new MoCoV2Augmentation(32, InputNorm.ImageNet, new MoCoV2Options());
        const int views = 3, stages = 2, seed = 9, batch = 4;
        using var cache = new ViewCache(items, view, views, stages, refresh: 2, seed, batch, workers: 1);
        Assert.True(cache.Prepare(0, net, CancellationToken.None));
        Assert.False(cache.Prepare(1, net, CancellationToken.None)); // the same round: nothing to build
        Assert.Equal(2L * views * items.Count * 128 * 4 * 4, cache.Bytes);

        // What the cache should hold: the loader's views of round 0, through the stem and layer1-2, rounded to fp16.
        var expected = new Tensor[items.Count, views];
        var loader = new Loader(items, Enumerable.Repeat<IViewTransform>(view, views).ToArray(),
            new LoaderOptions(batch, Seed: Loader.Seed(seed, 0, -3, 0), Shuffle: false, DropLast: false, Workers: 1));
        using (no_grad())
            foreach (var b in loader.Epoch(0))
                for (int v = 0; v < views; v++)
                {
                    var maps = net.Stages(b.Views[v], stages).to(ScalarType.Float16).to(ScalarType.Float32);
                    for (int r = 0; r < b.Count; r++) expected[b.Indices[r], v] = maps[r];
                }
        var order = Enumerable.Range(0, items.Count).Reverse().ToArray();
        var pairs = new List<(int, int)>();
        foreach (var b in cache.Epoch(0, order, batches: 2, startBatch: 0))
        {
            Assert.Equal(order.Skip(pairs.Count).Take(batch), b.Indices);
            Assert.Equal([batch, 128, 4, 4], b.Views[0].shape);
            pairs.AddRange(DrawsOf(b, expected, views));
        }
        Assert.All(pairs, p => Assert.NotEqual(p.Item1, p.Item2));
        // The draws follow (seed, epoch, batch): the same again, others in another epoch.
        Assert.Equal(pairs.Skip(batch), DrawsOf(cache.Epoch(0, order, 2, 1).Single(), expected, views));
        Assert.NotEqual(pairs.Take(batch), DrawsOf(cache.Epoch(1, order, 2, 0).First(), expected, views));
        Assert.True(pairs.Select(p => p.Item1).Distinct().Count() > 1, "every query came from one view");
        // Epoch 2 is the next round of --refresh-views 2: new views, none of which the old ones match.
        Assert.True(cache.Prepare(2, net, CancellationToken.None));
        Assert.Throws<InvalidOperationException>(() => DrawsOf(cache.Epoch(2, order, 2, 0).First(), expected, views));
    }

    static List<(int, int)> DrawsOf(Batch b, Tensor[,] expected, int views)
    {
        int ViewOf(Tensor map, int image) => Enumerable.Range(0, views).Single(v => map.allclose(expected[image, v], rtol: 0, atol: 1e-6));
        return Enumerable.Range(0, b.Count).Select(r => (ViewOf(b.Views[0][r], b.Indices[r]), ViewOf(b.Views[1][r], b.Indices[r]))).ToList();
    }

    public void Dispose() => SmallRun.Delete(target);
}
