using Uft.Method;
using static TorchSharp.torch;

namespace Uft.Tests.Method;

public class InfoNceTests
{
    // Three unit queries in 2-D, their positive keys, and a queue of three negatives; T = 0.5.
    static readonly float[,] Q = { { 1, 0 }, { 0, 1 }, { 0.6f, 0.8f } };
    static readonly float[,] KPos = { { 1, 0 }, { 0.6f, 0.8f }, { 0, 1 } };
    static readonly float[,] Queue = { { 0, 1 }, { -1, 0 }, { 0.8f, 0.6f } };

    [Fact]
    public void LogitsAreDotProductsOverTemperatureWithThePositiveFirst()
    {
        // Row 0: q·k+ = 1;   q·queue = 0, -1, 0.8   -> /0.5 -> 2, 0, -2, 1.6
        // Row 1: q·k+ = 0.8; q·queue = 1, 0, 0.6    -> 1.6, 2, 0, 1.2
        // Row 2: q·k+ = 0.8; q·queue = 0.8, -0.6, 0.96 -> 1.6, 1.6, -1.2, 1.92
        using var logits = InfoNce.Logits(tensor(Q), tensor(KPos), tensor(Queue), 0.5);
        Assert.Equal(new long[] { 3, 4 }, logits.shape);
        float[] expected = [2, 0, -2, 1.6f, 1.6f, 2, 0, 1.2f, 1.6f, 1.6f, -1.2f, 1.92f];
        var actual = logits.data<float>().ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-5);
    }

    [Fact]
    public void LossIsCrossEntropyWithLabelZeroOnTheHandExample()
    {
        // loss_i = ln(sum_j e^{l_ij}) - l_i0:
        // Row 0: e^2 + e^0 + e^-2 + e^1.6 = 7.389056 + 1 + 0.135335 + 4.953032 = 13.477424; ln = 2.601016; - 2   = 0.601016
        // Row 1: e^1.6 + e^2 + e^0 + e^1.2 = 4.953032 + 7.389056 + 1 + 3.320117 = 16.662205; ln = 2.813143; - 1.6 = 1.213143
        // Row 2: e^1.6 + e^1.6 + e^-1.2 + e^1.92 = 4.953032*2 + 0.301194 + 6.820958 = 17.028218; ln = 2.834872; - 1.6 = 1.234872
        using var perSample = InfoNce.PerSample(tensor(Q), tensor(KPos), tensor(Queue), 0.5);
        var l = perSample.data<float>().ToArray();
        Assert.Equal(0.601016, l[0], 1e-5);
        Assert.Equal(1.213143, l[1], 1e-5);
        Assert.Equal(1.234872, l[2], 1e-5);
        using var mean = InfoNce.Loss(tensor(Q), tensor(KPos), tensor(Queue), 0.5);
        Assert.Equal((0.601016 + 1.213143 + 1.234872) / 3, mean.item<float>(), 1e-5);
        // The same as PyTorch's cross_entropy(logits, zeros).
        using var logits = InfoNce.Logits(tensor(Q), tensor(KPos), tensor(Queue), 0.5);
        using var ce = nn.functional.cross_entropy(logits, zeros(3, dtype: ScalarType.Int64));
        Assert.Equal(ce.item<float>(), mean.item<float>(), 1e-5);
    }

    [Fact]
    public void GradientReachesQueriesButNotTheQueue()
    {
        using var q = tensor(Q).requires_grad_(true);
        using var queue = tensor(Queue);
        using var loss = InfoNce.Loss(q, tensor(KPos), queue, 0.5);
        loss.backward();
        Assert.NotNull(q.grad);
        Assert.True(q.grad!.abs().sum().item<float>() > 0);
        Assert.False(queue.requires_grad);
    }
}
