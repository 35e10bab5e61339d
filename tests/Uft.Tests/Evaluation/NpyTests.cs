using System.Text;
using Uft.Evaluation;

namespace Uft.Tests.Evaluation;

public class NpyTests
{
    [Fact]
    public void WritesAVersion1HeaderAndRawLittleEndianData()
    {
        var path = Path.Combine(Paths.TempDir(), "f.npy");
        Npy.WriteFloat32(path, [1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, bytes[..8]);
        int headerLen = BitConverter.ToUInt16(bytes, 8);
        Assert.Equal(0, (10 + headerLen) % 64);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLen);
        Assert.StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", header);
        Assert.EndsWith("\n", header);
        Assert.Equal(10 + headerLen + 6 * 4, bytes.Length);
        Assert.Equal(6f, BitConverter.ToSingle(bytes, 10 + headerLen + 20));
    }

    [Fact]
    public void OneDimensionalShapeHasATrailingComma()
    {
        var path = Path.Combine(Paths.TempDir(), "l.npy");
        Npy.WriteInt64(path, [7, -1], 2);
        var bytes = File.ReadAllBytes(path);
        Assert.Contains("'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", Encoding.ASCII.GetString(bytes));
        Assert.Equal(-1L, BitConverter.ToInt64(bytes, bytes.Length - 8));
        Assert.Throws<ArgumentException>(() => Npy.WriteInt64(path, [1, 2, 3], 2));
    }

    [Fact]
    public void EmbeddingsWriteFeaturesLabelsAndPathsInOneOrder()
    {
        string dir = Paths.TempDir();
        using var f = TorchSharp.torch.tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [3, 2]);
        Embeddings.Write(dir, f, [2, -1, 0], ["a.jpg", "b.jpg", "c.jpg"]);
        Assert.Contains("'shape': (3, 2)", Encoding.ASCII.GetString(File.ReadAllBytes(Path.Combine(dir, "features.npy"))));
        var labels = File.ReadAllBytes(Path.Combine(dir, "labels.npy"));
        Assert.Equal(-1L, BitConverter.ToInt64(labels, labels.Length - 16));
        Assert.Equal(["a.jpg", "b.jpg", "c.jpg"], File.ReadAllLines(Path.Combine(dir, "paths.txt")));
        Assert.Throws<ArgumentException>(() => Embeddings.Write(dir, f, [1, 2], ["a", "b"]));
    }
}
