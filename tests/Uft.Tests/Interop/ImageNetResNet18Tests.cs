using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;

using Uft.Interop;
using Uft.Models;
using Uft.Pretrained;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Uft.Tests.Interop;

public class ImageNetResNet18Tests(PretrainedBackbone pretrained, ITestOutputHelper output) : IClassFixture<PretrainedBackbone>
{
    [Fact]
    public void OnnxGraphMapsOntoA2223ResNetWithTorchvisionNames()
    {
        var sd = ImageNetResNet18.ReadStateDict(ImageNetResNet18.DefaultModelPath);
        try
        {
            // 22 convolutions (1 stem + 18 in blocks + 3 downsample) and 22 BatchNorms of 4 tensors: 110 initializers.
            Assert.Equal(22 + 22 * 4, sd.Count);
            Assert.Equal(new long[] { 64, 3, 7, 7 }, sd["conv1.weight"].shape);
            Assert.Equal(new long[] { 512, 512, 3, 3 }, sd["layer4.2.conv2.weight"].shape);
            Assert.Equal(new long[] { 256, 128, 1, 1 }, sd["layer3.0.downsample.0.weight"].shape);
            Assert.Equal(new long[] { 128 }, sd["layer2.0.downsample.1.running_var"].shape);
            // Trained on 0..255 inputs: the stem's BN variances are large (up to ~72,000 in later layers per reference notes).
            Assert.True(sd.Where(kv => kv.Key.EndsWith("running_var")).Max(kv => kv.Value.max().item<float>()) > 1000);
        }
        finally
        {
            foreach (var t in sd.Values) t.Dispose();
        }
    }

    [Fact]
    public void PretrainedBackboneKeepsTorchvisionNamesAndItsAdapterHoldsNoState()
    {
        var net = pretrained.Net;
        var keys = net.state_dict().Keys.ToList();
        Assert.All(keys, k => Assert.DoesNotContain("adapter", k));
        Assert.Contains("layer4.2.bn2.running_mean", keys);
        Assert.Equal(512, net.FeatureDim);
        // torchvision ResNet-18 without fc (11,176,512) plus the extra 512-channel block of 2,2,2,3: two 3x3 convs, two BNs.
        Assert.Equal(11_176_512 + 2 * (512 * 512 * 9) + 2 * 2 * 512, net.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void MissingWeightsFileSaysWhereItComesFrom()
    {
        var e = Assert.Throws<UftException>(() => ImageNetResNet18.Create(modelPath: "/nonexistent/ResNet18.onnx"));
        Assert.Contains("/nonexistent/ResNet18.onnx", e.Message);
        Assert.Contains("Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1", e.Message);
    }

    [SharedDataFact]
    public void FeaturesEqualOnnxRuntimeOn20RealImagesAt224()
    {
        using var scope = NewDisposeScope();
        using var prep = new InferenceSession(ImageNetResNet18.DefaultPreprocessPath);
        using var onnx = new InferenceSession(ImageNetResNet18.DefaultModelPath);
        var paths = TestImages.Caltech("test", classes: 20, perClass: 1).Select(i => i.Path).ToList();
        var rgb = cat(paths.Select(p => TestImages.Rgb255(p, 224)).ToList(), 0);
        Tensor ours;
        using (no_grad()) ours = pretrained.Net.call(TestImages.Normalised(rgb));
        double worst = 0;
        for (int i = 0; i < paths.Count; i++)
        {
            var reference = tensor(RunOnnx(prep, onnx, rgb[i].unsqueeze(0)), [512]);
            double rel = (ours[i] - reference).abs().max().item<float>() / reference.abs().max().item<float>();
            worst = Math.Max(worst, rel);
            Assert.True(rel < 1e-3, $"{paths[i]}: max |ours - onnx| / max |onnx| = {rel:g3}");
        }
        output.WriteLine($"worst relative difference over {paths.Count} images: {worst:g3}");
    }

    [SharedDataFact]
    public void PerChannelMeanStaysCloseToTheMeanImageAt224()
    {
        using var scope = NewDisposeScope();
        using var channel = ImageNetResNet18.Create(perChannelMean: true);
        channel.eval();
        var x = cat(TestImages.Caltech("test", classes: 5, perClass: 1).Select(i => TestImages.Normalised(TestImages.Rgb255(i.Path, 224))).ToList(), 0);
        List<double> cos;
        using (no_grad())
            cos = [.. nn.functional.cosine_similarity(pretrained.Net.call(x), channel.call(x)).data<float>().ToArray().Select(c => (double)c)];
        output.WriteLine($"cosine(mean image, per-channel mean) over {cos.Count} images: min {cos.Min():F4}, mean {cos.Average():F4}");
        Assert.True(cos.Min() > 0.95, $"min cosine {cos.Min():F4}");
        Assert.True(cos.Min() < 0.99999, "the two adapters should differ at all");
    }

    [SharedDataFact]
    public void OnnxExportWithItsAdapterGivesTheSameFeatures()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(Paths.TempDir(), "imagenet.onnx");
        Assert.True(BackboneExport.TrySaveOnnx(pretrained.Net, path, out var reason), reason);
        var x = cat(TestImages.Caltech("test", classes: 2, perClass: 1).Select(i => TestImages.Normalised(TestImages.Rgb255(i.Path, 224))).ToList(), 0);
        Tensor ours;
        using (no_grad()) ours = pretrained.Net.call(x);
        using var session = new InferenceSession(path);
        using var r = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor(x.data<float>().ToArray(), [2, 3, 224, 224]))]);
        var theirs = tensor(r.Single().AsTensor<float>().ToArray(), [2, 512]);
        double rel = (ours - theirs).abs().max().item<float>() / ours.abs().max().item<float>();
        Assert.True(rel < 1e-4, $"relative difference {rel:g3}");
    }

    static float[] RunOnnx(InferenceSession prep, InferenceSession onnx, Tensor rgb255)
    {
        var input = new DenseTensor(rgb255.data<float>().ToArray(), [1, 3, 224, 224]);
        using var p = prep.Run([NamedOnnxValue.CreateFromTensor(prep.InputMetadata.Keys.Single(), input)]);
        var pre = p.First().AsTensor<float>().ToDenseTensor();
        using var r = onnx.Run([NamedOnnxValue.CreateFromTensor(onnx.InputMetadata.Keys.Single(), pre)]);
        return r.First().AsTensor<float>().ToArray();
    }
}
