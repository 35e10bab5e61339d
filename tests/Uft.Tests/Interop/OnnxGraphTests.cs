using Uft.Interop;

namespace Uft.Tests.Interop;

public class OnnxGraphTests
{
    // Protobuf by hand: key = (field << 3) | wire type; wire 2 = length-delimited, 0 = varint, 5 = fixed32.
    static byte[] Len(int field, params byte[][] parts)
    {
        var body = parts.SelectMany(p => p).ToArray();
        return [(byte)(field << 3 | 2), (byte)body.Length, .. body];
    }
    static byte[] Str(int field, string s) => Len(field, System.Text.Encoding.UTF8.GetBytes(s));
    static byte[] Varint(int field, byte v) => [(byte)(field << 3), v];
    static byte[] Fixed32(int field, float f) => [(byte)(field << 3 | 5), .. BitConverter.GetBytes(f)];

    [Fact]
    public void ReadsNodesAndFloatInitializersInAllThreeEncodings()
    {
        var node = Len(1, Str(1, "x"), Str(1, "W"), Str(2, "y"), Str(3, "conv0"), Str(4, "Conv"));
        // dims [2] unpacked; float_data packed
        var packed = Len(5, Varint(1, 2), Varint(2, 1), Len(4, [.. BitConverter.GetBytes(1.5f), .. BitConverter.GetBytes(-2f)]), Str(8, "W"));
        // dims packed [1,2]; float_data unpacked
        var unpacked = Len(5, Len(1, [1, 2]), Varint(2, 1), Fixed32(4, 3f), Fixed32(4, 4f), Str(8, "U"));
        // raw_data
        var raw = Len(5, Varint(1, 1), Varint(2, 1), Str(8, "R"), Len(9, BitConverter.GetBytes(7.25f)));
        byte[] model = [.. Varint(1, 8), .. Len(7, node, packed, unpacked, raw)];

        var g = OnnxGraph.Parse(model);
        var n = Assert.Single(g.Nodes);
        Assert.Equal("Conv", n.OpType);
        Assert.Equal(["x", "W"], n.Inputs);
        Assert.Equal(["y"], n.Outputs);
        Assert.Equal(new[] { 1.5f, -2f }, g.Initializers["W"].Data);
        Assert.Equal(new long[] { 1, 2 }, g.Initializers["U"].Dims);
        Assert.Equal(new[] { 3f, 4f }, g.Initializers["U"].Data);
        Assert.Equal(new[] { 7.25f }, g.Initializers["R"].Data);
    }

    [Fact]
    public void TruncatedModelIsRefused()
    {
        var path = Path.Combine(Paths.TempDir(), "t.onnx");
        File.WriteAllBytes(path, [0x3a, 0x20, 0x0a]); // graph field claiming 32 bytes, 1 present
        var e = Assert.Throws<UftException>(() => OnnxGraph.Read(path));
        Assert.Contains("not a readable ONNX model", e.Message);
    }
}
