using TorchSharp.PyBridge;
using Uft.Interop;
using Uft.Models;
using static TorchSharp.torch;

namespace Uft.Tests.Interop;

public class StateDictImportTests
{
    static string Fixture(string name) => Path.Combine(Paths.Fixtures, "interop", name);

    /// <summary>torchvision's ResNet(BasicBlock, [1, 1, 1, 1]), the architecture of the fixtures.</summary>
    static ResNet Tiny() => new("resnet_1111", false, [1, 1, 1, 1]);

    static (Tensor Input, Tensor Features) ReferenceIo()
    {
        var io = PyTorchUnpickler.UnpickleStateDict(Fixture("tv_resnet_1111_io.pth"));
        return ((Tensor)io["input"]!, (Tensor)io["features"]!);
    }

    static Tensor Features(ResNet net, Tensor x)
    {
        net.eval();
        using var _ = no_grad();
        return net.call(x);
    }

    [Fact]
    public void TorchvisionStateDictGivesPyTorchsOutput()
    {
        using var net = Tiny();
        var report = StateDictImport.Load(net, Fixture("tv_resnet_1111.pth"));
        Assert.Equal("", report.Prefix);
        Assert.Empty(report.Missing);
        Assert.Empty(report.Unexpected);
        Assert.Equal(net.state_dict().Count, report.Loaded.Count);
        var (x, expected) = ReferenceIo();
        using var y = Features(net, x);
        Assert.Equal(expected.shape, y.shape);
        Assert.True(y.allclose(expected, rtol: 1e-4, atol: 1e-5), $"max diff {(y - expected).abs().max().item<float>()}");
        // num_batches_tracked comes across too (123 in the fixture).
        Assert.Equal(123L, net.state_dict()["layer3.0.bn1.num_batches_tracked"].item<long>());
    }

    [Fact]
    public void MocoCheckpointLoadsTheQueryEncoderAndReportsTheHead()
    {
        using var net = Tiny();
        var report = StateDictImport.Load(net, Fixture("moco_v2_tiny.pth.tar"));
        Assert.Equal(StateDictImport.MocoPrefix, report.Prefix);
        Assert.Empty(report.Missing);
        Assert.Equal(["fc.0.bias", "fc.0.weight", "fc.2.bias", "fc.2.weight"], report.Unexpected);
        // encoder_k: as many keys as encoder_q (backbone + 4 head tensors); plus queue and queue_ptr.
        Assert.Equal(report.Loaded.Count + 4 + 2, report.Ignored);
        var (x, expected) = ReferenceIo();
        using var y = Features(net, x);
        Assert.True(y.allclose(expected, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void WrongShapeNamesTheKeyAndBothShapesAndChangesNothing()
    {
        var dir = Paths.TempDir();
        var path = Path.Combine(dir, "bad.safetensors");
        using (var src = Tiny())
        {
            var sd = src.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
            sd["layer2.0.conv1.weight"] = zeros(128, 64, 5, 5);
            SafeTensors.Save(path, sd);
        }
        using var net = Tiny();
        using var before = net.state_dict()["conv1.weight"].clone();
        var e = Assert.Throws<UftException>(() => StateDictImport.Load(net, path));
        Assert.True(e.IsUsage);
        Assert.Contains("layer2.0.conv1.weight expects [128, 64, 3, 3] but the file has [128, 64, 5, 5]", e.Message);
        Assert.True(net.state_dict()["conv1.weight"].equal(before).all().item<bool>(), "a failed strict load must not change the model");
    }

    [Fact]
    public void MissingKeysAreNamed()
    {
        var path = Path.Combine(Paths.TempDir(), "partial.safetensors");
        using (var src = Tiny())
            SafeTensors.Save(path, src.state_dict().Where(kv => !kv.Key.StartsWith("layer4.0.bn2")));
        using var net = Tiny();
        var e = Assert.Throws<UftException>(() => StateDictImport.Load(net, path));
        // 4, not 5: a missing num_batches_tracked counter is not reported.
        Assert.Contains("4 missing: layer4.0.bn2.weight, layer4.0.bn2.bias, layer4.0.bn2.running_mean, layer4.0.bn2.running_var", e.Message);
    }

    [Theory]
    [InlineData("backbone.safetensors")]
    [InlineData("backbone.pth")]
    public void ExportThenImportGivesIdenticalTensors(string file)
    {
        var path = Path.Combine(Paths.TempDir(), file);
        using var a = Tiny();
        using (no_grad())
            foreach (var (_, b) in a.named_buffers()) if (b.is_floating_point()) b.uniform_(0.5, 1.5);
        if (file.EndsWith(".pth")) BackboneExport.SaveTorchvisionPth(a, path);
        else BackboneExport.SaveSafetensors(a, path, new Dictionary<string, string> { ["backbone"] = "resnet_1111" });
        using var b2 = Tiny();
        var report = StateDictImport.Load(b2, path);
        Assert.Equal(a.state_dict().Count, report.Loaded.Count);
        var sa = a.state_dict();
        foreach (var (k, v) in b2.state_dict())
            Assert.True(v.equal(sa[k]).all().item<bool>(), k);
    }

    [Fact]
    public void OnnxExportRunsInOnnxRuntimeWithPyTorchsOutput()
    {
        using var net = Tiny();
        StateDictImport.Load(net, Fixture("tv_resnet_1111.pth"));
        var path = Path.Combine(Paths.TempDir(), "b.onnx");
        Assert.True(BackboneExport.TrySaveOnnx(net, path, out var reason), reason);
        var (x, expected) = ReferenceIo();
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(path);
        var input = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(x.data<float>().ToArray(), [2, 3, 64, 64]);
        using var r = session.Run([Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("input", input)]);
        using var y = tensor(r.Single(o => o.Name == "features").AsTensor<float>().ToArray(), [2, 512]);
        Assert.True(y.allclose(expected, rtol: 1e-4, atol: 1e-5), $"max diff {(y - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void OnnxExportRefusesAnAdapterItCannotExpress()
    {
        using var net = new ResNet("r", false, [1, 1, 1, 1], inputAdapter: nn.Identity());
        var path = Path.Combine(Paths.TempDir(), "b.onnx");
        Assert.False(BackboneExport.TrySaveOnnx(net, path, out var reason));
        Assert.Contains("Identity", reason);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void PrefixIsDetectedFromTheKeys()
    {
        Assert.Equal("module.encoder_q.", StateDictImport.DetectPrefix(["module.encoder_q.conv1.weight", "module.queue"]));
        Assert.Equal("module.", StateDictImport.DetectPrefix(["module.conv1.weight", "module.fc.weight"]));
        Assert.Equal("", StateDictImport.DetectPrefix(["module.conv1.weight", "fc.weight"]));
    }
}
