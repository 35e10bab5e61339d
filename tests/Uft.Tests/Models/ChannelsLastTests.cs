using TorchSharp;
using Uft.Models;
using static TorchSharp.torch;

namespace Uft.Tests.Models;

/// <summary>The CPU runs ResNets in channels-last memory for speed; that must change rounding only.</summary>
[Collection(SerialCollection.Name)] // seeds torch's process-wide generator to build the model
public class ChannelsLastTests
{
    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(true, 2)]
    public void ChannelsLastGivesTheSameFeaturesGradientsAndStatisticsAsNchw(bool bottleneck, int bnSplits)
    {
        var problems = Compare(bottleneck, bnSplits, seed: 11, layoutBug: false);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void TheComparisonCatchesALayoutBug()
    {
        // conv1's kernel read with height and width swapped: what a wrong stride order in the channels-last path does.
        var problems = Compare(bottleneck: true, bnSplits: 1, seed: 11, layoutBug: true);
        Assert.Contains(problems, p => p.StartsWith("features"));
    }

    /// <summary>
    /// Features, gradients and batch-norm statistics of the channels-last model against the NCHW one, both in float32,
    /// each measured against a float64 run of the NCHW model. Summation order differs between layouts (and between
    /// thread counts, so with the load of a parallel test run), and some gradients are ill-conditioned: a train-mode
    /// batch norm subtracts the batch mean of the incoming gradient, so conv1's gradient is a small difference of large
    /// sums, whose float32 rounding error reached 0.18% of its norm on one random draw. So the bound is relative to the
    /// float32 error of NCHW itself on the same tensor: channels-last may be up to 4x as far from float64 as NCHW is
    /// (plus 1e-5 of the norm), where a layout bug is off by the order of the values themselves.
    /// </summary>
    static List<string> Compare(bool bottleneck, int bnSplits, int seed, bool layoutBug)
    {
        using var scope = NewDisposeScope();
        manual_seed(seed);
        NormFactory? norm = bnSplits > 1 ? SplitBatchNorm.Factory(bnSplits) : null;
        int[] blocks = [1, 1, 1, 1];
        using var nchw = new ResNet("r", bottleneck, blocks, norm) { ChannelsLast = false };
        using var nhwc = new ResNet("r", bottleneck, blocks, norm) { ChannelsLast = true };
        using var reference = new ResNet("r", bottleneck, blocks, norm) { ChannelsLast = false };
        nhwc.load_state_dict(nchw.state_dict());
        reference.load_state_dict(nchw.state_dict());
        reference.to(ScalarType.Float64);
        if (layoutBug)
            using (no_grad())
            {
                var w = nhwc.named_parameters().Single(p => p.name == "conv1.weight").parameter;
                w.copy_(w.transpose(2, 3).contiguous());
            }
        nchw.train(); nhwc.train(); reference.train();
        var x = randn(16, 3, 32, 32);

        var problems = new List<string>();
        var a = nchw.call(x);
        var b = nhwc.call(x);
        var r = reference.call(x.to(ScalarType.Float64));
        Check("features", a, b, r, problems);
        a.pow(2).sum().backward();
        b.pow(2).sum().backward();
        r.pow(2).sum().backward();
        foreach (var (((name, p), (_, q)), (_, s)) in nchw.named_parameters().Zip(nhwc.named_parameters()).Zip(reference.named_parameters()))
            Check(name + " gradient", p.grad!, q.grad!, s.grad!, problems);
        foreach (var (((name, p), (_, q)), (_, s)) in nchw.named_buffers().Zip(nhwc.named_buffers()).Zip(reference.named_buffers()))
            Check(name, p, q, s, problems);
        return problems;
    }

    static void Check(string what, Tensor nchw, Tensor nhwc, Tensor float64, List<string> problems)
    {
        double nchwError = Distance(nchw, float64), nhwcError = Distance(nhwc, float64), norm = Norm(float64);
        if (nhwcError > 4 * nchwError + 1e-5 * norm)
            problems.Add($"{what}: channels-last is {nhwcError / norm:G3} (relative) from float64, NCHW {nchwError / norm:G3}");
    }

    static double Norm(Tensor t)
    {
        using var d = t.detach().to(ScalarType.Float64);
        return d.norm().item<double>();
    }

    static double Distance(Tensor a, Tensor b)
    {
        using var x = a.detach().to(ScalarType.Float64);
        using var y = b.detach().to(ScalarType.Float64);
        using var diff = x - y;
        return diff.norm().item<double>();
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
