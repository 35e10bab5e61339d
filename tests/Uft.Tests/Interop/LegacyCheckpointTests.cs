using System.IO.Compression;
using System.Numerics;
using System.Text;
using TorchSharp.PyBridge;
using Uft.Interop;
using Uft.Models;
using Uft.Pretrained;
using static TorchSharp.torch;

namespace Uft.Tests.Interop;

/// <summary>
/// torch.save's legacy (pre-1.6) format, in which the MoCo v2 releases were written, read by <see cref="TorchSaveFile"/>
/// with the restricted <see cref="TorchPickle"/>. Fixtures: make_legacy_fixture.py (Debian's python3-torch 1.13).
/// </summary>
public class LegacyCheckpointTests
{
    static string Fixture(string name) => Path.Combine(Paths.Fixtures, "interop", name);

    /// <summary>The two large fixtures are stored gzip-compressed; this writes torch.save's bytes to a temporary file.</summary>
    static string Gunzipped(string name)
    {
        var path = Path.Combine(Paths.TempDir(), name[..^".gz".Length]);
        using (var gz = new GZipStream(File.OpenRead(Fixture(name)), CompressionMode.Decompress))
        using (var output = File.Create(path))
            gz.CopyTo(output);
        return path;
    }

    static ResNet Tiny() => new("resnet_1111", false, [1, 1, 1, 1]);

    /// <summary>PyTorch's input and eval-mode features for the fixture weights, read by PyBridge (an independent reader).</summary>
    static (Tensor Input, Tensor Features) ReferenceIo()
    {
        var io = PyTorchUnpickler.UnpickleStateDict(Fixture("tv_resnet_1111_io.pth"));
        return ((Tensor)io["input"]!, (Tensor)io["features"]!);
    }

    static void AssertPyTorchsFeatures(ResNet net)
    {
        var (x, expected) = ReferenceIo();
        net.eval();
        using var _ = no_grad();
        using var y = net.call(x);
        Assert.Equal(expected.shape, y.shape);
        Assert.True(y.allclose(expected, rtol: 1e-4, atol: 1e-5), $"max diff {(y - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void TorchvisionStateDictGivesPyTorchsOutput()
    {
        var path = Gunzipped("tv_resnet_1111_legacy.pth.gz");
        using (var file = TorchSaveFile.Open(path)) Assert.Equal("legacy", file.Format);
        using var net = Tiny();
        var report = StateDictImport.Load(net, path);
        Assert.Equal("", report.Prefix);
        Assert.Empty(report.Unexpected);
        Assert.Equal(net.state_dict().Count, report.Loaded.Count);
        Assert.Equal(123L, net.state_dict()["layer3.0.bn1.num_batches_tracked"].item<long>());
        AssertPyTorchsFeatures(net);
    }

    [Fact]
    public void MocoCheckpointLoadsAsABackboneWithPyTorchsOutput()
    {
        var path = Gunzipped("moco_v2_tiny_legacy.pth.tar.gz");
        var (net, architecture) = Backbones.Load(path);   // what --backbone FILE does
        using (net)
        {
            Assert.Equal("resnet(basic 1,1,1,1)", architecture);
            AssertPyTorchsFeatures(net);
        }
        using var tiny = Tiny();
        var report = StateDictImport.Load(tiny, path);
        Assert.Equal(StateDictImport.MocoPrefix, report.Prefix);
        Assert.Equal(["fc.0.bias", "fc.0.weight", "fc.2.bias", "fc.2.weight"], report.Unexpected);
        Assert.Equal(report.Loaded.Count + 4 + 2, report.Ignored);   // encoder_k (backbone + head), queue, queue_ptr
    }

    [Fact]
    public void CheckpointEntriesAndOptimizerStateAreReadAsPlainValues()
    {
        using var file = TorchSaveFile.Open(Gunzipped("moco_v2_tiny_legacy.pth.tar.gz"));
        var root = Assert.IsType<Dictionary<object, object?>>(file.Root);
        Assert.Equal(["epoch", "arch", "state_dict", "optimizer"], root.Keys.Cast<string>());
        Assert.Equal(800L, root["epoch"]);
        Assert.Equal("resnet18", root["arch"]);
        var optimizer = (Dictionary<object, object?>)root["optimizer"]!;
        var group = (Dictionary<object, object?>)((List<object?>)optimizer["param_groups"]!)[0]!;
        Assert.Equal(0.03, group["lr"]);
        Assert.Equal(false, group["nesterov"]);
        Assert.Null(group["foreach"]);
        // One SGD step on encoder_q.bn1.weight (parameter 1, after conv1.weight): momentum = grad of sum = ones + wd * w.
        var state = (Dictionary<object, object?>)optimizer["state"]!;
        var momentum = (TorchPickle.TensorRef)((Dictionary<object, object?>)state[1L]!)["momentum_buffer"]!;
        Assert.Equal([64L], momentum.Size);
        using var m = file.ReadTensor(momentum);
        Assert.InRange(m.min().item<float>(), 1f, 1.001f);
    }

    [Fact]
    public void ValuesDtypesAndViewsAreRebuiltExactly()
    {
        using var file = TorchSaveFile.Open(Fixture("legacy_values.pt"));
        var root = (Dictionary<object, object?>)file.Root!;
        Tensor T(string key) => file.ReadTensor((TorchPickle.TensorRef)root[key]!);
        using var b = T("base");
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (float)i), b.data<float>().ToArray());
        using var row = T("row");
        Assert.Equal([4f, 5f, 6f, 7f], row.data<float>().ToArray());
        Assert.Equal(4L, row.storage_offset());
        using var column = T("column");
        Assert.Equal([2f, 6f, 10f], column.data<float>().ToArray());
        using var tr = T("transposed");
        Assert.Equal([4L, 3L], tr.shape);
        Assert.Equal(9f, tr[1, 2].item<float>());
        b[2, 1] = tensor(-1f);   // views share the storage, as in PyTorch
        Assert.Equal(-1f, tr[1, 2].item<float>());
        using var half = T("half");
        Assert.Equal(ScalarType.Float16, half.dtype);
        Assert.Equal([0.5f, -2f], half.to(float32).data<float>().ToArray());
        using var dbl = T("double");
        Assert.Equal(1.25, dbl.item<double>());
        using var lng = T("long");
        Assert.Equal([-3L, 1L << 40], lng.data<long>().ToArray());
        using var i32 = T("int");
        Assert.Equal(7, i32.item<int>());
        using var u8 = T("bytes");
        Assert.Equal([(byte)0, (byte)255], u8.data<byte>().ToArray());
        using var bools = T("bool");
        Assert.Equal([true, false], bools.data<bool>().ToArray());
        using var scalar = T("scalar");
        Assert.Empty(scalar.shape);
        Assert.Equal(2.5f, scalar.item<float>());
        using var empty = T("empty");
        Assert.Equal([0L, 3L], empty.shape);
        using var param = T("param");   // nn.Parameter: _rebuild_parameter around the tensor
        Assert.Equal([4f, 4f], param.data<float>().ToArray());

        var args = Assert.IsType<TorchPickle.Namespace>(root["args"]);
        Assert.Equal(0.03, args["lr"]);
        Assert.Equal("resnet50", args["arch"]);
        Assert.Equal(true, args["mlp"]);
        Assert.Equal(new object?[] { 1L, -1L, 300L, 70000L, (long)int.MinValue, BigInteger.Pow(2, 63), -BigInteger.Pow(2, 70), 0.5, null, true, false },
            (List<object?>)root["numbers"]!);
        var nested = (Dictionary<object, object?>)root["nested"]!;
        Assert.Equal(new object?[] { 1L, "a" }, (object?[])nested["t"]!);
        Assert.Empty((List<object?>)nested[3L]!);
        Assert.Equal(["b", "a"], ((Dictionary<object, object?>)nested["od"]!).Keys.Cast<string>());
    }

    /// <summary>The three pickles torch.save writes before the object: magic number, protocol version, sys info.</summary>
    static byte[] LegacyHeader() =>
    [
        0x80, 2, 0x8a, 10, .. BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber).ToByteArray(), (byte)'.',
        0x80, 2, (byte)'M', 0xe9, 0x03, (byte)'.',
        0x80, 2, (byte)'}', (byte)'.',
    ];

    /// <summary>A pickle that calls module.name(argument) when Python unpickles it: GLOBAL (protocol 2, as torch.save
    /// writes) or STACK_GLOBAL (protocol 4).</summary>
    static byte[] CallingPickle(string module, string name, string argument, bool stackGlobal)
    {
        static byte[] Str(string s) => [0x8c, (byte)s.Length, .. Encoding.UTF8.GetBytes(s)];
        byte[] global = stackGlobal ? [.. Str(module), .. Str(name), 0x93] : [(byte)'c', .. Encoding.UTF8.GetBytes($"{module}\n{name}\n")];
        return [0x80, stackGlobal ? (byte)4 : (byte)2, .. global, .. Str(argument), 0x85, (byte)'R', (byte)'.'];
    }

    [Theory]
    [InlineData("os", "system", false)]
    [InlineData("builtins", "eval", true)]
    [InlineData("torchvision.models.resnet", "ResNet", false)]   // torch.save(model) instead of its state_dict
    public void AGlobalOutsideTheAllowListIsRefusedByName(string module, string name, bool stackGlobal)
    {
        var dir = Paths.TempDir();
        var marker = Path.Combine(dir, "ran");
        var legacy = Path.Combine(dir, "evil.pth.tar");
        File.WriteAllBytes(legacy, [.. LegacyHeader(), .. CallingPickle(module, name, $"touch {marker}", stackGlobal)]);
        var zipped = Path.Combine(dir, "evil.pth");
        using (var zip = ZipFile.Open(zipped, ZipArchiveMode.Create))
        using (var entry = zip.CreateEntry("archive/data.pkl").Open())
            entry.Write(CallingPickle(module, name, $"touch {marker}", stackGlobal));
        foreach (var path in new[] { legacy, zipped })
        {
            var e = Assert.Throws<UftException>(() => StateDictImport.ReadFile(path));
            Assert.True(e.IsUsage);
            Assert.StartsWith($"{path}: refuses to unpickle {module}.{name}: only tensors and plain containers", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        Assert.False(File.Exists(marker));
    }

    /// <summary>A legacy file written by hand: {"w": a float tensor of <paramref name="size"/> elements over a storage of
    /// 4 floats 1, 2, 3, 4}.</summary>
    static byte[] HandMadeLegacyFile(byte size)
    {
        static byte[] Str(string s) => [0x8c, (byte)s.Length, .. Encoding.UTF8.GetBytes(s)];
        byte[] tensor =
        [
            (byte)'c', .. "torch._utils\n_rebuild_tensor_v2\n"u8, (byte)'(',
            (byte)'(', .. Str("storage"), (byte)'c', .. "torch\nFloatStorage\n"u8, .. Str("k"), .. Str("cpu"), (byte)'K', 4, (byte)'N', (byte)'t', (byte)'Q',
            (byte)'K', 0, (byte)'K', size, 0x85, (byte)'K', 1, 0x85, 0x89, (byte)')', (byte)'t', (byte)'R',
        ];
        byte[] storage = [4, 0, 0, 0, 0, 0, 0, 0, .. new[] { 1f, 2f, 3f, 4f }.SelectMany(BitConverter.GetBytes)];
        return [.. LegacyHeader(), 0x80, 2, (byte)'}', .. Str("w"), .. tensor, (byte)'s', (byte)'.', 0x80, 2, (byte)']', .. Str("k"), (byte)'a', (byte)'.', .. storage];
    }

    [Fact]
    public void AHandMadeLegacyFileIsReadAndATensorPastItsStorageIsRefused()
    {
        var dir = Paths.TempDir();
        string good = Path.Combine(dir, "good.pth"), bad = Path.Combine(dir, "bad.pth");
        File.WriteAllBytes(good, HandMadeLegacyFile(4));
        File.WriteAllBytes(bad, HandMadeLegacyFile(5));
        var tensors = StateDictImport.ReadFile(good);
        using var w = tensors["w"];
        Assert.Equal([1f, 2f, 3f, 4f], w.data<float>().ToArray());
        var e = Assert.Throws<UftException>(() => StateDictImport.ReadFile(bad));
        Assert.Equal($"{bad}: a tensor of size [5] at offset 0 reaches past the 4 elements of storage k", e.Message);
    }

    [Fact]
    public void TheCliRefusesAMaliciousCheckpointWithExitCode2AndWritesNothing()
    {
        var dir = Paths.TempDir();
        var path = Path.Combine(dir, "evil.pth.tar");
        File.WriteAllBytes(path, [.. LegacyHeader(), .. CallingPickle("os", "system", "true", stackGlobal: false)]);
        var output = Path.Combine(dir, "out.safetensors");
        var r = Cli.Run("export", "--backbone", path, "--output", output);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"error: {path}: refuses to unpickle os.system: only tensors and plain containers are read from PyTorch files "
            + "(Python would call it while loading); save a state_dict instead", r.All.Trim());
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void TheCliExportsALegacyMocoCheckpointAsTheBackbonePyTorchComputes()
    {
        var path = Gunzipped("moco_v2_tiny_legacy.pth.tar.gz");
        var output = Path.Combine(Path.GetDirectoryName(path)!, "backbone.safetensors");
        var r = Cli.Run("export", "--backbone", path, "--output", output);
        Assert.True(r.ExitCode == 0, r.All);
        using var net = Tiny();
        StateDictImport.Load(net, output);
        AssertPyTorchsFeatures(net);
    }

    [Theory]
    [InlineData(3)]       // inside the magic-number pickle
    [InlineData(200)]     // inside the object pickle
    [InlineData(-1000)]   // inside the raw storages (from the end)
    public void ATruncatedFileIsOneLineNamingIt(int keep)
    {
        var full = File.ReadAllBytes(Gunzipped("tv_resnet_1111_legacy.pth.gz"));
        var path = Path.Combine(Paths.TempDir(), "cut.pth");
        File.WriteAllBytes(path, full[..(keep > 0 ? keep : full.Length + keep)]);
        var e = Assert.Throws<UftException>(() => StateDictImport.ReadFile(path));
        Assert.True(e.IsUsage);
        Assert.StartsWith($"{path}: ends early", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void AFileThatIsNotPyTorchIsNamed()
    {
        var path = Path.Combine(Paths.TempDir(), "notes.pth");
        File.WriteAllText(path, "hello");
        var e = Assert.Throws<UftException>(() => StateDictImport.ReadFile(path));
        Assert.Equal($"{path}: not a PyTorch file (neither torch.save's zip archive nor its legacy pickle format)", e.Message);
    }
}
