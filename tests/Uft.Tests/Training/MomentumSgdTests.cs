using TorchSharp.Modules;
using Uft.Training;
using static TorchSharp.torch;

namespace Uft.Tests.Training;

public class MomentumSgdTests
{
    [Fact]
    public void TwoStepsFollowPyTorchSemantics()
    {
        // p = (1, 2), gradient g = (0.5, -1) each step (loss = g·p), lr 0.1, momentum 0.9, weight decay 0.01.
        // step 1: d = g + 0.01 p = (0.51, -0.98); buf = d; p = (1 - 0.051, 2 + 0.098) = (0.949, 2.098)
        // step 2: d = (0.5 + 0.00949, -1 + 0.02098) = (0.50949, -0.97902);
        //         buf = 0.9 (0.51, -0.98) + d = (0.96849, -1.86102); p = (0.949 - 0.096849, 2.098 + 0.186102) = (0.852151, 2.284102)
        using var p = new Parameter(tensor(new float[] { 1, 2 }));
        using var g = tensor(new float[] { 0.5f, -1 });
        var sgd = new MomentumSgd([("w", p)], 0.1, 0.9, 0.01);
        for (int i = 0; i < 2; i++)
        {
            sgd.ZeroGrad();
            using var loss = (p * g).sum();
            loss.backward();
            sgd.Step();
        }
        var v = p.data<float>().ToArray();
        Assert.Equal(0.852151, v[0], 1e-5);
        Assert.Equal(2.284102, v[1], 1e-5);
        var buf = sgd.StateDict()["w.momentum_buffer"].data<float>().ToArray();
        Assert.Equal(0.96849, buf[0], 1e-5);
        Assert.Equal(-1.86102, buf[1], 1e-5);
    }

    [Fact]
    public void NesterovStepsFollowPyTorchSemantics()
    {
        // As above with Nesterov (PyTorch: p -= lr (d + momentum buf)), the k-shot and FixMatch protocols' optimizer.
        // step 1: d = (0.51, -0.98) = buf; p -= 0.1 * 1.9 d -> (0.9031, 2.1862)
        // step 2: d = (0.509031, -0.978138); buf = 0.9 (0.51, -0.98) + d = (0.968031, -1.860138);
        //         p -= 0.1 (d + 0.9 buf) = 0.1 (1.3802589, -2.6522622) -> (0.76507411, 2.45142622)
        using var p = new Parameter(tensor(new float[] { 1, 2 }));
        using var g = tensor(new float[] { 0.5f, -1 });
        var sgd = new MomentumSgd([("w", p)], 0.1, 0.9, 0.01, nesterov: true);
        using var q = new Parameter(tensor(new float[] { 1, 2 }));
        using var torchSgd = TorchSharp.torch.optim.SGD([q], 0.1, momentum: 0.9, weight_decay: 0.01, nesterov: true);
        for (int i = 0; i < 2; i++)
        {
            sgd.ZeroGrad();
            torchSgd.zero_grad();
            using (var loss = (p * g).sum()) loss.backward();
            using (var loss = (q * g).sum()) loss.backward();
            sgd.Step();
            torchSgd.step();
        }
        var v = p.data<float>().ToArray();
        Assert.Equal(0.76507411, v[0], 1e-5);
        Assert.Equal(2.45142622, v[1], 1e-5);
        Assert.Equal(q.data<float>().ToArray(), v); // TorchSharp's optim.SGD, which it replaces
    }

    [Fact]
    public void AFrozenParameterWithAStaleGradientDoesNotMove()
    {
        // A parameter frozen after the optimizer was built may keep a stale gradient; weight decay would still move it.
        using var w = new Parameter(ones(3));
        var sgd = new MomentumSgd([("w", w)], 0.1, weightDecay: 0.5);
        using (var loss = (w * w).sum()) loss.backward();
        w.requires_grad = false;
        sgd.ZeroGrad();
        sgd.Step();
        Assert.Equal([1f, 1f, 1f], w.data<float>().ToArray());
        w.requires_grad = true;
        sgd.Step(); // zero gradient, weight decay 0.5: w -= 0.1 x 0.5 x w
        Assert.Equal(0.95f, w.data<float>()[0], 6);
    }
}
