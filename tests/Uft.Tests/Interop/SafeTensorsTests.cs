using System.Text;
using Uft.Interop;
using static TorchSharp.torch;

namespace Uft.Tests.Interop;

public class SafeTensorsTests
{
    [Fact]
    public void WritesTheReferenceLayout()
    {
        var path = Path.Combine(Paths.TempDir(), "a.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = tensor(new[] { 1f, -2f }) });
        var bytes = File.ReadAllBytes(path);
        long headerLen = BitConverter.ToInt64(bytes, 0);
        Assert.Equal(0, headerLen % 8);
        var header = Encoding.UTF8.GetString(bytes, 8, (int)headerLen).TrimEnd(' ');
        Assert.Equal("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", header);
        // 1.0f = 0x3F800000, -2.0f = 0xC0000000, little-endian.
        Assert.Equal(new byte[] { 0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0 }, bytes[(8 + (int)headerLen)..]);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }

    [Fact]
    public void RoundTripsDtypesShapesAndMetadata()
    {
        var path = Path.Combine(Paths.TempDir(), "b.safetensors");
        var src = new Dictionary<string, Tensor>
        {
            ["f32"] = randn(3, 4),
            ["f16"] = randn(5).to(float16),
            ["bf16"] = randn(2, 2, 2).to(bfloat16),
            ["i64"] = tensor(new long[] { 1, -7, long.MaxValue }),
            ["scalar"] = tensor(3.5f),
            ["empty"] = zeros(0, 4),
        };
        SafeTensors.Save(path, src, new Dictionary<string, string> { ["step"] = "1200", ["arch"] = "resnet18" });
        var back = SafeTensors.Load(path, out var meta);
        Assert.Equal("1200", meta["step"]);
        Assert.Equal("resnet18", meta["arch"]);
        Assert.Equal(src.Keys, back.Keys);
        foreach (var (k, v) in src)
        {
            Assert.Equal(v.dtype, back[k].dtype);
            Assert.Equal(v.shape, back[k].shape);
            Assert.True(v.equal(back[k]).all().item<bool>(), k);
        }
    }

    [Fact]
    public void CorruptHeaderIsAUsageError()
    {
        var path = Path.Combine(Paths.TempDir(), "c.safetensors");
        var json = Encoding.UTF8.GetBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,8]}}");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((long)json.Length), .. json, .. new byte[8]]);
        var e = Assert.Throws<UftException>(() => SafeTensors.Load(path));
        Assert.True(e.IsUsage);
        Assert.Contains("'w' claims bytes 0..8 but needs 16", e.Message);
    }
}
