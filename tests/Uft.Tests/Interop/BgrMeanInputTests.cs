using Uft.Data;
using Uft.Models;
using Uft.Pretrained;
using static TorchSharp.torch;

namespace Uft.Tests.Interop;

public class BgrMeanInputTests
{
    [Fact]
    public void TurnsNormalisedRgbIntoBgr255MinusMean()
    {
        // One pixel whose 0..1 RGB is (1, 0.5, 0): normalised with ImageNet mean/std, then back through the adapter.
        var n = InputNorm.ImageNet;
        float[] rgb = [1f, 0.5f, 0f];
        var x = tensor(rgb.Select((v, c) => (v - n.Mean[c]) / n.Std[c]).ToArray()).view(1, 3, 1, 1);
        using var adapter = new BgrMeanInput(tensor(new[] { 100f, 110f, 120f }).view(3, 1, 1), n);
        var y = adapter.call(x).flatten().data<float>().ToArray();
        // BGR on 0..255 = (0, 127.5, 255), minus the BGR mean (100, 110, 120).
        Assert.Equal(-100f, y[0], 3);
        Assert.Equal(17.5f, y[1], 3);
        Assert.Equal(135f, y[2], 3);
        Assert.Empty(adapter.state_dict());
        Assert.Empty(adapter.parameters());
    }

    [Fact]
    public void PerPixelMeanIsUsedAsIsAtItsSizeAndResizedOtherwise()
    {
        // A mean image that is 0 on the left half and 64 on the right; input that decodes to 0..255 value 0.
        var mean = zeros(3, 4, 4);
        mean[.., .., 2..] = tensor(64f);
        using var adapter = new BgrMeanInput(mean, InputNorm.ImageNet);
        var n = InputNorm.ImageNet;
        Tensor Black(int s) => tensor(n.Mean.Select((m, c) => -m / n.Std[c]).ToArray()).view(1, 3, 1, 1).expand(1, 3, s, s);
        var same = adapter.call(Black(4));
        Assert.Equal(-64f, same[0, 0, 0, 3].item<float>(), 3);
        Assert.Equal(0f, same[0, 0, 0, 0].item<float>(), 3);
        var half = adapter.call(Black(2));
        Assert.Equal(new long[] { 1, 3, 2, 2 }, half.shape);
        Assert.Equal(-64f, half[0, 2, 1, 1].item<float>(), 3);
        Assert.Equal(0f, half[0, 2, 1, 0].item<float>(), 3);
    }

    [Fact]
    public void ResNetRefusesAnAdapterWithState()
    {
        var e = Assert.Throws<ArgumentException>(() => new ResNet("r", false, [1, 1, 1, 1], inputAdapter: nn.BatchNorm2d(3)));
        Assert.Contains("must not hold parameters", e.Message);
    }

    [Fact]
    public void BackboneListSaysWhereThePretrainedWeightsComeFrom()
    {
        var b = Backbones.Find("resnet18-imagenet-sup");
        Assert.Equal(512, b.FeatureDim);
        Assert.Contains("Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1", b.Weights);
        Assert.Equal("present", b.Status);
        Assert.Equal("built in", Backbones.Find("resnet50").Status);
    }
}
