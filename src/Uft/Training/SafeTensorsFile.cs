using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace Uft.Training;

/// <summary>
/// A minimal reader and writer of the safetensors format (huggingface/safetensors): an 8-byte little-endian header
/// length, a JSON header <c>{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}</c>
/// padded with spaces to 8 bytes, then the raw little-endian tensor bytes. Data only: reading never executes code.
/// Supports F32, F64, I64, F16, BF16.
/// </summary>
public static class SafeTensorsFile
{
    const long MaxHeader = 100_000_000;

    static readonly Dictionary<ScalarType, (string Name, int Size)> Types = new()
    {
        [ScalarType.Float32] = ("F32", 4),
        [ScalarType.Float64] = ("F64", 8),
        [ScalarType.Int64] = ("I64", 8),
        [ScalarType.Float16] = ("F16", 2),
        [ScalarType.BFloat16] = ("BF16", 2),
    };

    /// <summary>Writes tensors (in name order) and string metadata to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
            header["__metadata__"] = new JsonObject(metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        var names = tensors.Keys.Order(StringComparer.Ordinal).ToList();
        long offset = 0;
        foreach (var name in names)
        {
            var t = tensors[name];
            if (!Types.TryGetValue(t.dtype, out var type)) throw new ArgumentException($"{name}: dtype {t.dtype} is not supported by this safetensors writer");
            long size = t.numel() * type.Size;
            header[name] = new JsonObject
            {
                ["dtype"] = type.Name,
                ["shape"] = new JsonArray(t.shape.Select(d => (JsonNode?)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + size),
            };
            offset += size;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        stream.Write(length);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var name in names)
        {
            using var cpu = tensors[name].detach().cpu().contiguous();
            stream.Write(cpu.bytes);
        }
    }

    /// <summary>Reads every tensor and the metadata. A malformed, truncated or foreign file throws a one-line
    /// <see cref="UftException"/> naming <paramref name="path"/>.</summary>
    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Read(string path)
    {
        byte[] file;
        try { file = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UftException($"{path}: cannot be read ({e.Message})", inner: e); }
        UftException Bad(string what) => new($"{path}: not a valid safetensors file ({what})");
        if (file.Length < 8) throw Bad("shorter than its 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength > MaxHeader || 8 + (long)headerLength > file.Length) throw Bad("header length exceeds the file");
        JsonObject header;
        try { header = JsonNode.Parse(file.AsSpan(8, (int)headerLength))?.AsObject() ?? throw Bad("empty header"); }
        catch (Exception e) when (e is JsonException or InvalidOperationException) { throw Bad("header is not a JSON object"); }
        var data = file.AsSpan(8 + (int)headerLength);
        var metadata = new Dictionary<string, string>();
        var tensors = new Dictionary<string, Tensor>();
        try
        {
            long expectedBegin = 0;
            var entries = header.Where(kv => kv.Key != "__metadata__")
                .Select(kv => (kv.Key, Info: kv.Value?.AsObject() ?? throw Bad($"{kv.Key} has no description")))
                .OrderBy(e => (long)e.Info["data_offsets"]![0]!).ToList();
            if (header["__metadata__"] is JsonObject meta)
                foreach (var (k, v) in meta) metadata[k] = v?.GetValue<string>() ?? "";
            foreach (var (name, info) in entries)
            {
                string dtype = (string?)info["dtype"] ?? throw Bad($"{name} has no dtype");
                var (scalar, size) = Types.Where(t => t.Value.Name == dtype).Select(t => (t.Key, t.Value.Size)).FirstOrDefault();
                if (size == 0) throw Bad($"{name} has unsupported dtype {dtype}");
                long[] shape = info["shape"]!.AsArray().Select(d => (long)d!).ToArray();
                long begin = (long)info["data_offsets"]![0]!, end = (long)info["data_offsets"]![1]!;
                long numel = shape.Aggregate(1L, (a, b) => a * b);
                if (shape.Any(d => d < 0) || begin != expectedBegin || end - begin != numel * size || end > data.Length)
                    throw Bad($"{name} has inconsistent offsets or lies past the end of the file");
                var t = empty(shape, scalar);
                t.bytes = data.Slice((int)begin, (int)(end - begin));
                tensors[name] = t;
                expectedBegin = end;
            }
            if (expectedBegin != data.Length) throw Bad($"{data.Length - expectedBegin} bytes after the last tensor");
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException or ArgumentException)
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw Bad("malformed header entry");
        }
        return (tensors, metadata);
    }
}
