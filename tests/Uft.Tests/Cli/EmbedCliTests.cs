using System.Text;
using System.Text.RegularExpressions;

namespace Uft.Tests.Commands;

public class EmbedCliTests
{
    [Fact]
    public void WritesFeaturesLabelsAndPathsInFolderOrder()
    {
        string output = Path.Combine(Paths.TempDir(), "emb");
        var r = Cli.Run("embed", "--backbone", "resnet18", "--folder", Path.Combine(Paths.Demo, "test"), "--output", output, "--image-size", "32");
        Assert.True(r.ExitCode == 0, r.All);

        var (descr, shape, data) = ReadNpy(Path.Combine(output, "features.npy"));
        Assert.Equal("<f4", descr);
        Assert.Equal([200L, 512L], shape);
        Assert.Equal(200 * 512 * 4, data.Length);
        for (int row = 0; row < 200; row += 37)
        {
            double norm = Math.Sqrt(Enumerable.Range(0, 512).Sum(j => Math.Pow(BitConverter.ToSingle(data, 4 * (row * 512 + j)), 2)));
            Assert.Equal(1.0, norm, 4);
        }

        (descr, shape, data) = ReadNpy(Path.Combine(output, "labels.npy"));
        Assert.Equal("<i8", descr);
        Assert.Equal([200L], shape);
        var labels = Enumerable.Range(0, 200).Select(i => BitConverter.ToInt64(data, 8 * i)).ToArray();
        Assert.Equal(Enumerable.Range(0, 10).SelectMany(c => Enumerable.Repeat((long)c, 20)), labels);

        var paths = File.ReadAllLines(Path.Combine(output, "paths.txt"));
        Assert.Equal(200, paths.Length);
        Assert.All(paths, p => Assert.True(File.Exists(p), p));
        Assert.Equal("bonsai", Path.GetFileName(Path.GetDirectoryName(paths[0])));
        Assert.Equal("sunflower", Path.GetFileName(Path.GetDirectoryName(paths[^1])));
    }

    /// <summary>Parses an .npy v1 file: dtype string, shape, raw data.</summary>
    static (string Descr, long[] Shape, byte[] Data) ReadNpy(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal("\x93NUMPY", Encoding.Latin1.GetString(bytes, 0, 6));
        int headerLen = BitConverter.ToUInt16(bytes, 8);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLen);
        var m = Regex.Match(header, @"'descr': '([^']+)', 'fortran_order': False, 'shape': \(([^)]*)\)");
        Assert.True(m.Success, header);
        var shape = m.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        return (m.Groups[1].Value, shape, bytes[(10 + headerLen)..]);
    }
}
