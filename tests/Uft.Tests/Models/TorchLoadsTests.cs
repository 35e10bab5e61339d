using TorchSharp;
using static TorchSharp.torch;

namespace Uft.Tests.Models;

public class TorchLoadsTests
{
    [Fact]
    public void TorchSharpRunsAConvolutionFromTheTestOutputFolder()
    {
        // A 1-channel 3x3 all-ones kernel over a 4x4 ramp: each output is the sum of a 3x3 window.
        using var x = arange(16, dtype: float32).reshape(1, 1, 4, 4);
        using var w = ones(1, 1, 3, 3);
        using var y = nn.functional.conv2d(x, w);
        Assert.Equal(new long[] { 1, 1, 2, 2 }, y.shape);
        Assert.Equal(new float[] { 45, 54, 81, 90 }, y.data<float>().ToArray());
    }

    [Fact]
    public void ResNet18HasTorchvisionParameterNamesAndCount()
    {
        using var net = Uft.Models.ResNet.ResNet18();
        var names = net.state_dict().Keys.ToList();
        Assert.Contains("conv1.weight", names);
        Assert.Contains("layer2.0.downsample.1.running_var", names);
        Assert.Contains("layer4.1.bn2.num_batches_tracked", names);
        // torchvision resnet18 has 11,689,512 parameters; without fc (512*1000+1000) 11,176,512.
        Assert.Equal(11_176_512, net.parameters().Sum(p => p.numel()));
        net.eval();
        using var y = net.call(randn(2, 3, 64, 64));
        Assert.Equal(new long[] { 2, 512 }, y.shape);
    }
}
