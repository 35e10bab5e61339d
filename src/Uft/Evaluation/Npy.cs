using System.Text;

namespace Uft.Evaluation;

/// <summary>Writes NumPy .npy files (format version 1.0, little-endian, C order) that numpy.load reads as is.</summary>
public static class Npy
{
    public static void WriteFloat32(string path, float[] data, params long[] shape) => Write(path, "<f4", shape, data.AsSpan(), data.Length);

    public static void WriteInt64(string path, long[] data, params long[] shape) => Write(path, "<i8", shape, data.AsSpan(), data.Length);

    static void Write<T>(string path, string descr, long[] shape, ReadOnlySpan<T> data, long count) where T : unmanaged
    {
        if (shape.Aggregate(1L, (a, b) => a * b) != count)
            throw new ArgumentException($"shape ({string.Join(", ", shape)}) does not hold {count} values");
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        // Magic (6) + version (2) + length (2) + header + newline, padded with spaces to a multiple of 64.
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data).ToArray();
        AtomicFile.Write(path, stream =>
        {
            stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
            stream.Write(BitConverter.GetBytes((ushort)header.Length));
            stream.Write(Encoding.ASCII.GetBytes(header));
            stream.Write(bytes);
        });
    }
}
