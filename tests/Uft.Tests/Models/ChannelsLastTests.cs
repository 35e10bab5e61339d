using Uft.Models;
using static TorchSharp.torch;

namespace Uft.Tests.Models;

/// <summary>The CPU runs ResNets in channels-last memory for speed; that must change rounding only.</summary>
public class ChannelsLastTests
{
    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(true, 2)]
    public void ChannelsLastGivesTheSameFeaturesGradientsAndStatisticsAsNchw(bool bottleneck, int bnSplits)
    {
        manual_seed(11);
        NormFactory? norm = bnSplits > 1 ? SplitBatchNorm.Factory(bnSplits) : null;
        int[] blocks = [1, 1, 1, 1];
        using var nchw = new ResNet("r", bottleneck, blocks, norm) { ChannelsLast = false };
        using var nhwc = new ResNet("r", bottleneck, blocks, norm) { ChannelsLast = true };
        nhwc.load_state_dict(nchw.state_dict());
        nchw.train(); nhwc.train();
        using var x = randn(16, 3, 32, 32);

        using var a = nchw.call(x);
        using var b = nhwc.call(x);
        Assert.True(RelativeError(a, b) < 1e-4, $"features: relative error {RelativeError(a, b)}");
        a.pow(2).sum().backward();
        b.pow(2).sum().backward();
        foreach (var ((name, p), (_, q)) in nchw.named_parameters().Zip(nhwc.named_parameters()))
            Assert.True(RelativeError(p.grad!, q.grad!) < 1e-4, $"{name} gradient: relative error {RelativeError(p.grad!, q.grad!)}");
        foreach (var ((name, s), (_, t)) in nchw.named_buffers().Zip(nhwc.named_buffers()))
            Assert.True(RelativeError(s, t) < 1e-5, name);
    }

    // Summation order differs between layouts, so elements are compared as a whole: |a - b| / |a|.
    static double RelativeError(Tensor a, Tensor b)
    {
        using var x = a.to(ScalarType.Float64);
        using var y = b.to(ScalarType.Float64);
        return (x - y).norm().item<double>() / Math.Max(x.norm().item<double>(), 1e-12);
    }

    [Fact]
    public void ToChannelsLastPermutesMemoryNotValues()
    {
        using var x = arange(2 * 3 * 2 * 2).reshape(2, 3, 2, 2).to(ScalarType.Float32);
        using var y = ResNet.ToChannelsLast(x);
        Assert.Equal(new long[] { 12, 1, 6, 3 }, y.stride());
        Assert.True(y.eq(x).all().item<bool>());
        // Already channels-last: returned as it is, no copy.
        Assert.Equal(y.Handle, ResNet.ToChannelsLast(y).Handle);
    }
}
