using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace Uft.Interop;

/// <summary>
/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header mapping each tensor
/// name to its dtype, shape and byte range, an optional <c>__metadata__</c> string map, then the raw little-endian
/// tensor bytes. Written here rather than taken from a package so that checkpoints and backbone exports share one
/// small, dependency-free implementation. Supports F32, F16, BF16 and I64 (also F64, I32, U8, BOOL on read and write).
/// </summary>
public static class SafeTensors
{
    /// <summary>Header size above which a file is refused as corrupt (the format itself caps it at 100 MB).</summary>
    const long MaxHeaderBytes = 100_000_000;

    static readonly (string Name, ScalarType Type)[] DTypes =
    [
        ("F32", ScalarType.Float32), ("F16", ScalarType.Float16), ("BF16", ScalarType.BFloat16), ("I64", ScalarType.Int64),
        ("F64", ScalarType.Float64), ("I32", ScalarType.Int32), ("U8", ScalarType.Byte), ("BOOL", ScalarType.Bool),
    ];

    /// <summary>Reads every tensor (on the CPU, in file order) and the metadata map.</summary>
    public static Dictionary<string, Tensor> Load(string path, out Dictionary<string, string> metadata)
    {
        if (!File.Exists(path)) throw UftException.Usage($"{path}: file not found");
        using var file = File.OpenRead(path);
        Span<byte> len = stackalloc byte[8];
        if (file.Length < 8 || file.ReadAtLeast(len, 8, throwOnEndOfStream: false) < 8)
            throw UftException.Usage($"{path}: not a safetensors file (shorter than its 8-byte header length)");
        long headerLen = BinaryPrimitives.ReadInt64LittleEndian(len);
        if (headerLen <= 0 || headerLen > MaxHeaderBytes || 8 + headerLen > file.Length)
            throw UftException.Usage($"{path}: not a safetensors file (header length {headerLen} for a {file.Length}-byte file)");
        var header = new byte[headerLen];
        file.ReadExactly(header);
        long dataStart = 8 + headerLen, dataLen = file.Length - dataStart;

        metadata = [];
        var result = new Dictionary<string, Tensor>();
        try
        {
            using var json = JsonDocument.Parse(header);
            foreach (var entry in json.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    foreach (var m in entry.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                    continue;
                }
                string dtypeName = entry.Value.GetProperty("dtype").GetString() ?? "";
                var dtype = DTypes.FirstOrDefault(d => d.Name == dtypeName);
                if (dtype.Name is null) throw UftException.Usage($"{path}: tensor '{entry.Name}' has unsupported dtype {dtypeName}");
                long[] shape = [.. entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64())];
                var offsets = entry.Value.GetProperty("data_offsets");
                long begin = offsets[0].GetInt64(), end = offsets[1].GetInt64();
                long expected = shape.Aggregate(1L, (a, b) => a * b) * ElementSize(dtype.Type);
                if (begin < 0 || end > dataLen || end - begin != expected)
                    throw UftException.Usage($"{path}: tensor '{entry.Name}' claims bytes {begin}..{end} but needs {expected} (file has {dataLen})");
                var bytes = new byte[end - begin];
                file.Seek(dataStart + begin, SeekOrigin.Begin);
                file.ReadExactly(bytes);
                var t = empty(shape, dtype.Type);
                if (bytes.Length > 0) t.bytes = bytes;
                result[entry.Name] = t;
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            foreach (var t in result.Values) t.Dispose();
            throw UftException.Usage($"{path}: malformed safetensors header ({e.Message})");
        }
        return result;
    }

    public static Dictionary<string, Tensor> Load(string path) => Load(path, out _);

    /// <summary>
    /// Writes the tensors (any device; copied to the CPU, made contiguous) in the given order, atomically: a temporary
    /// file beside <paramref name="path"/> is written, flushed to disk, then renamed over it, so a crash never leaves a
    /// half-written checkpoint.
    /// </summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        AtomicFile.Write(path, file => Write(file, tensors, metadata));

    /// <summary>Writes the safetensors bytes to a stream; <see cref="Save"/> is the atomic file version.</summary>
    public static void Write(Stream file, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var items = tensors.ToList();
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        foreach (var (name, t) in items)
        {
            var dtype = DTypes.FirstOrDefault(d => d.Type == t.dtype);
            if (dtype.Name is null) throw new UftException($"safetensors: tensor '{name}' has unsupported dtype {t.dtype}");
            long size = t.numel() * ElementSize(t.dtype);
            header[name] = new { dtype = dtype.Name, shape = t.shape, data_offsets = new[] { offset, offset + size } };
            offset += size;
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        // Pad the header with spaces to a multiple of 8 so the data that follows is aligned, as the reference writer does.
        int padded = (json.Length + 7) / 8 * 8;
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(len, padded);
        file.Write(len);
        file.Write(json);
        for (int i = json.Length; i < padded; i++) file.WriteByte((byte)' ');
        foreach (var (_, t) in items)
        {
            using var cpu = t.detach().cpu().contiguous();
            if (cpu.numel() > 0) file.Write(cpu.bytes);
        }
    }

    static long ElementSize(ScalarType t) => t switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Byte or ScalarType.Bool => 1,
        _ => throw new UftException($"safetensors: unsupported dtype {t}"),
    };
}
