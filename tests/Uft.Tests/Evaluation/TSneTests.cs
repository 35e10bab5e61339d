using TorchSharp;
using Uft.Evaluation;
using static TorchSharp.torch;

namespace Uft.Tests.Evaluation;

public class TSneTests
{
    [Fact]
    public void TSneKeepsSeparatedBlobsSeparated()
    {
        var gen = new Generator(7);
        int perBlob = 40, blobs = 3;
        using var centres = randn(blobs, 64, generator: gen) * 10;
        using var x = centres.repeat_interleave(perBlob, 0) + randn(blobs * perBlob, 64, generator: gen);
        var labels = Enumerable.Range(0, blobs * perBlob).Select(i => i / perBlob).ToArray();
        using var y = TSne.Embed(x, perplexity: 30, iterations: 500, seed: 0);
        Assert.Equal(new long[] { blobs * perBlob, 2 }, y.shape);
        Assert.False(y.isnan().any().ToBoolean());
        // Every point's 5 nearest embedded neighbours come from its own blob, and K-means on the 2-D map finds the blobs.
        Assert.Equal(1.0, Retrieval.TopKAccuracy(y, labels, y, labels, k: 5), 12);
        var (assign, c, _) = KMeans.Fit(y, blobs, restarts: 5, seed: 0);
        c.Dispose();
        Assert.Equal(1.0, Nmi.Compute(assign, labels), 9);
    }
}
