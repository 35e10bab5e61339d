using Uft.Models;
using static TorchSharp.torch;

namespace Uft.Tests.Models;

/// <summary>HeldBatchNorm2d replaces TorchSharp's nn.BatchNorm2d only to hold its counter's Scalar: same numbers.</summary>
public class HeldBatchNorm2dTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(null)] // cumulative average, as batch-norm recalibration uses it
    public void TrainAndEvalMatchBatchNorm2d(double? momentum)
    {
        var gen = new Generator(5);
        using var held = new HeldBatchNorm2d(3) { momentum = momentum };
        using var plain = nn.BatchNorm2d(3);
        plain.momentum = momentum;
        Assert.Equal(plain.state_dict().Keys, held.state_dict().Keys);
        held.train(); plain.train();
        for (int i = 0; i < 3; i++)
        {
            using var x = randn(4, 3, 5, 5, generator: gen) * (i + 1) + i;
            using var a = held.call(x);
            using var b = plain.call(x);
            Assert.True(a.allclose(b, rtol: 1e-5, atol: 1e-6), $"train output, batch {i}");
        }
        foreach (var (name, value) in plain.state_dict())
            Assert.True(held.state_dict()[name].allclose(value, rtol: 1e-6, atol: 1e-7), name);
        Assert.Equal(3, held.num_batches_tracked!.item<long>());
        held.eval(); plain.eval();
        using var y = randn(2, 3, 5, 5, generator: gen);
        using var c = held.call(y);
        using var d = plain.call(y);
        Assert.True(c.allclose(d, rtol: 1e-5, atol: 1e-6), "eval output");
        Assert.Throws<ArgumentException>(() => held.call(randn(2, 3)));
    }
}
