using Uft.Models;
using static TorchSharp.torch;

namespace Uft.Tests.Method;

public class SplitBatchNormTests
{
    [Fact]
    public void TrainingEqualsBatchNormPerSplitAndAveragesRunningStatistics()
    {
        manual_seed(3);
        using var x = randn(6, 3, 2, 2).mul(2).add(1);
        using var split = new SplitBatchNorm(3, 2);
        using (no_grad())
        {
            // Non-trivial affine parameters and running statistics, shared by the per-split references.
            split.get_parameter("weight")!.copy_(tensor(new float[] { 0.5f, 2, -1 }));
            split.get_parameter("bias")!.copy_(tensor(new float[] { 0.1f, -0.2f, 0.3f }));
            split.get_buffer("running_mean")!.copy_(tensor(new float[] { 1, 0, -1 }));
            split.get_buffer("running_var")!.copy_(tensor(new float[] { 2, 1, 0.5f }));
        }
        var initial = split.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        split.train();
        using var y = split.call(x);

        // Split s holds consecutive samples: {0, 1, 2} and {3, 4, 5}.
        var means = new List<Tensor>();
        var vars = new List<Tensor>();
        for (int s = 0; s < 2; s++)
        {
            using var bn = nn.BatchNorm2d(3);
            bn.load_state_dict(initial);
            bn.train();
            using var index = tensor(new long[] { 3 * s, 3 * s + 1, 3 * s + 2 });
            using var expected = bn.call(x.index_select(0, index));
            using var actual = y.index_select(0, index);
            Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-5), $"split {s}");
            means.Add(bn.running_mean!.clone());
            vars.Add(bn.running_var!.clone());
        }
        Assert.True(split.get_buffer("running_mean")!.allclose((means[0] + means[1]) / 2, atol: 1e-6));
        Assert.True(split.get_buffer("running_var")!.allclose((vars[0] + vars[1]) / 2, atol: 1e-6));
        Assert.Equal(1L, split.get_buffer("num_batches_tracked")!.item<long>());
    }

    [Fact]
    public void EvalIsPlainBatchNormAndNamesMatchBatchNorm2d()
    {
        using var split = new SplitBatchNorm(4, 2);
        using var bn = nn.BatchNorm2d(4);
        Assert.Equal(bn.state_dict().Keys.Order(), split.state_dict().Keys.Order());
        using (no_grad()) split.get_buffer("running_mean")!.copy_(tensor(new float[] { 1, 2, 3, 4 }));
        bn.load_state_dict(split.state_dict());
        split.eval(); bn.eval();
        using var x = randn(3, 4, 2, 2); // odd batch is fine in eval
        Assert.True(split.call(x).allclose(bn.call(x), atol: 1e-6));
    }

    [Fact]
    public void GradientsReachTheAffineParametersAndBadBatchesAreRejected()
    {
        using var split = new SplitBatchNorm(2, 2);
        split.train();
        using var y = split.call(randn(4, 2, 3, 3));
        y.mul(tensor(new float[] { 1, 2 }).view(1, 2, 1, 1)).sum().backward();
        Assert.NotNull(split.get_parameter("weight")!.grad);
        // d/d bias_c of sum(y * f_c) = f_c times the 4*3*3 = 36 outputs of channel c.
        Assert.Equal(new float[] { 36, 72 }, split.get_parameter("bias")!.grad!.data<float>().ToArray());
        Assert.Throws<ArgumentException>(() => split.call(randn(3, 2, 3, 3)));
    }
}
