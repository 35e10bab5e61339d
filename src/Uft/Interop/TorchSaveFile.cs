using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Uft.Interop;

/// <summary>
/// A file written by <c>torch.save</c>, read without Python and without running anything (<see cref="TorchPickle"/>):
/// the object tree with <see cref="TorchPickle.TensorRef"/> leaves, whose bytes <see cref="ReadTensor"/> reads on demand,
/// so a checkpoint's optimizer state and key encoder are never loaded when only its state dict is wanted.
/// <list type="bullet">
/// <item>Zip (PyTorch ≥ 1.6): <c>&lt;name&gt;/data.pkl</c> plus one entry <c>&lt;name&gt;/data/&lt;key&gt;</c> per storage.</item>
/// <item>Legacy (before 1.6; <c>_use_new_zipfile_serialization=False</c> later), e.g. the MoCo v2 releases: pickles of
/// the magic number 0x1950a86a20f9469cfc6c, the protocol version 1001 and a sys-info dict, the object pickle whose
/// persistent ids are <c>('storage', torch.FloatStorage, key, location, numel, view)</c>, a pickle of the storage keys,
/// then per key an int64 element count and the raw little-endian bytes.</item>
/// </list>
/// Storage locations (<c>cuda:0</c>) are ignored: everything is read to the CPU.
/// </summary>
public sealed class TorchSaveFile : IDisposable
{
    static readonly BigInteger LegacyMagic = BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber);
    const long LegacyProtocol = 1001;

    readonly string path;
    readonly FileStream file;
    readonly ZipArchive? zip;
    readonly string zipPrefix = "";
    readonly Dictionary<string, TorchPickle.Storage> storages = [];
    readonly Dictionary<string, long> legacyOffsets = [];
    readonly Dictionary<string, Tensor> loaded = [];

    /// <summary>The unpickled object: dicts, lists, tuples, values and <see cref="TorchPickle.TensorRef"/>s.</summary>
    public object? Root { get; }

    /// <summary>"zip" or "legacy".</summary>
    public string Format => zip is null ? "legacy" : "zip";

    TorchSaveFile(string path)
    {
        this.path = path;
        file = File.OpenRead(path);
        try
        {
            Span<byte> head = stackalloc byte[4];
            int n = file.ReadAtLeast(head, 4, throwOnEndOfStream: false);
            file.Position = 0;
            if (n == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4)
            {
                zip = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
                (Root, zipPrefix) = ReadZip(zip);
            }
            else if (n >= 2 && head[0] == 0x80) Root = ReadLegacy();
            else throw UftException.Usage($"{path}: not a PyTorch file (neither torch.save's zip archive nor its legacy pickle format)");
        }
        catch (Exception e)
        {
            Dispose();
            if (e is UftException) throw;
            throw Corrupt(e);
        }
    }

    /// <summary>Opens and unpickles <paramref name="path"/>; every failure is a one-line usage error naming the file.</summary>
    public static TorchSaveFile Open(string path) =>
        File.Exists(path) ? new TorchSaveFile(path) : throw UftException.Usage($"{path}: file not found");

    (object? Root, string Prefix) ReadZip(ZipArchive archive)
    {
        var pkl = archive.Entries.FirstOrDefault(e => e.FullName == "data.pkl" || e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal))
            ?? throw UftException.Usage($"{path}: a zip archive without data.pkl, not written by torch.save");
        string prefix = pkl.FullName[..^"data.pkl".Length];
        if (archive.GetEntry(prefix + "byteorder") is { } order && ReadAll(order).SequenceEqual("big"u8.ToArray()))
            throw UftException.Usage($"{path}: saved on a big-endian machine; not supported");
        using var pickle = new MemoryStream(ReadAll(pkl));
        var root = TorchPickle.Load(pickle, path, ResolveStorage);
        foreach (var s in storages.Values)
        {
            var entry = archive.GetEntry($"{prefix}data/{s.Key}") ?? throw UftException.Usage($"{path}: storage {s.Key} is missing from the archive");
            if (entry.Length < s.Numel * s.Type.ElementSize)
                throw UftException.Usage($"{path}: storage {s.Key} has {entry.Length} bytes, {s.Numel * s.Type.ElementSize} expected");
        }
        return (root, prefix);
    }

    object? ReadLegacy()
    {
        if (TorchPickle.Load(file, path) is not BigInteger magic || magic != LegacyMagic)
            throw UftException.Usage($"{path}: a pickle without torch.save's magic number, not a PyTorch file");
        var version = TorchPickle.Load(file, path);
        if (version is not LegacyProtocol)
            throw UftException.Usage($"{path}: legacy torch.save protocol {version}, expected {LegacyProtocol}");
        if (TorchPickle.Load(file, path) is Dictionary<object, object?> sysInfo && sysInfo.GetValueOrDefault("little_endian") is false)
            throw UftException.Usage($"{path}: saved on a big-endian machine; not supported");
        var root = TorchPickle.Load(file, path, ResolveStorage);
        if (TorchPickle.Load(file, path) is not List<object?> keys || keys.Any(k => k is not string))
            throw UftException.Usage($"{path}: the list of storage keys after the object pickle is missing");
        Span<byte> count = stackalloc byte[8];
        long offset = file.Position;
        foreach (string key in keys.Cast<string>())
        {
            if (!storages.TryGetValue(key, out var s)) throw UftException.Usage($"{path}: storage {key} is listed but the object pickle never refers to it");
            file.Position = offset;
            file.ReadExactly(count);
            long numel = BinaryPrimitives.ReadInt64LittleEndian(count);
            if (numel != s.Numel) throw UftException.Usage($"{path}: storage {key} holds {numel} elements, the pickle says {s.Numel}");
            legacyOffsets[key] = offset + 8;
            offset += 8 + numel * s.Type.ElementSize;
            if (offset > file.Length) throw UftException.Usage($"{path}: ends early: storage {key} needs bytes up to {offset}, the file has {file.Length} (truncated download?)");
        }
        if (storages.Keys.FirstOrDefault(k => !legacyOffsets.ContainsKey(k)) is { } absent)
            throw UftException.Usage($"{path}: storage {absent} is used but not stored");
        return root;
    }

    /// <summary>torch's persistent id: <c>('storage', type, key, location, numel[, view])</c>; view (legacy only, files
    /// from before PyTorch 0.4) is <c>(view key, offset, numel)</c> into the storage.</summary>
    object ResolveStorage(object? pid)
    {
        if (pid is not object?[] { Length: 5 or 6 } id || id[0] is not "storage" || id[1] is not TorchPickle.StorageType type
            || id[2] is not string key || id[4] is not long numel || numel < 0)
            throw UftException.Usage($"{path}: unsupported persistent id {(pid is object?[] { Length: > 0 } t ? t[0] : pid)}; only storages are read");
        if (!storages.TryGetValue(key, out var storage)) storages[key] = storage = new(key, type, numel);
        else if (storage.Type != type) throw UftException.Usage($"{path}: storage {key} is used as both {storage.Type.Name} and {type.Name}");
        long offset = id is [.., object?[] { Length: 3 } view] ? view[1] as long? ?? 0 : 0;
        return new TorchPickle.StorageSlice(storage, offset);
    }

    /// <summary>The tensor <paramref name="r"/> describes, on the CPU: a view of its storage, which is read from the
    /// file once and shared with the other tensors on it (as in PyTorch). The caller disposes it.</summary>
    public Tensor ReadTensor(TorchPickle.TensorRef r)
    {
        var s = r.Storage.Root;
        long offset = r.Storage.Offset + r.Offset, last;
        try { last = checked(offset + r.Size.Zip(r.Stride, (n, st) => n == 0 ? 0 : (n - 1) * st).Sum()); }
        catch (OverflowException) { last = long.MaxValue; }
        if (offset < 0 || (r.Size.All(n => n > 0) && last >= s.Numel))
            throw UftException.Usage($"{path}: a tensor of size [{string.Join(", ", r.Size)}] at offset {offset} reaches past the {s.Numel} elements of storage {s.Key}");
        if (!loaded.TryGetValue(s.Key, out var data))
        {
            try { loaded[s.Key] = data = ReadStorage(s); }
            catch (Exception e) when (e is not UftException) { throw Corrupt(e); }
        }
        return data.as_strided(r.Size, r.Stride, offset);
    }

    Tensor ReadStorage(TorchPickle.Storage s)
    {
        // Straight into the tensor's memory (TorchSharp reads in chunks): no second copy of a 100 MB storage.
        // The byte counts were checked against the file when it was opened.
        var t = empty(s.Numel, s.Type.DType);
        if (s.Numel == 0) return t;
        if (zip is null)
        {
            file.Position = legacyOffsets[s.Key];
            t.ReadBytesFromStream(file, bufferSize: 1 << 20);
        }
        else
        {
            using var entry = zip.GetEntry($"{zipPrefix}data/{s.Key}")!.Open();
            t.ReadBytesFromStream(entry, bufferSize: 1 << 20);
        }
        return t;
    }

    static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using var s = entry.Open();
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    UftException Corrupt(Exception e) => e is EndOfStreamException
        ? UftException.Usage($"{path}: ends early (truncated download?)")
        : UftException.Usage($"{path}: cannot read it as a PyTorch file ({e.GetType().Name}: {e.Message})");

    /// <summary>Closes the file. Tensors already returned stay valid: they hold their storage.</summary>
    public void Dispose()
    {
        foreach (var t in loaded.Values) t.Dispose();
        loaded.Clear();
        zip?.Dispose();
        file.Dispose();
    }
}
