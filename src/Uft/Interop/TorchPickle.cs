using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using static TorchSharp.torch;

namespace Uft.Interop;

/// <summary>
/// A restricted unpickler for the pickles <c>torch.save</c> writes (protocol 2 by default; up to 5 with
/// <c>pickle_protocol=</c>). Python's pickle calls whatever global a file names, so loading an untrusted checkpoint
/// in Python can run code; this reader calls nothing. It rebuilds plain values (None, bool, int as <see cref="long"/>
/// or <see cref="BigInteger"/>, float as <see cref="double"/>, str, bytes), containers (tuple as <c>object?[]</c>,
/// list as <see cref="List{T}"/>, dict and <c>collections.OrderedDict</c> as <see cref="Dictionary{TKey,TValue}"/>,
/// <c>argparse.Namespace</c> as <see cref="Namespace"/>) and tensors as <see cref="TensorRef"/> (storage, offset,
/// size, stride; the container reads the bytes). Any other global (<c>os.system</c>, <c>builtins.eval</c>, a pickled
/// <c>nn.Module</c> class, numpy arrays) is refused by name when its GLOBAL opcode is read, before anything is built,
/// as are the opcodes torch.save never writes (INST, OBJ, EXT*, the text opcodes of protocol 0).
/// </summary>
public sealed class TorchPickle
{
    /// <summary>A <c>torch.*Storage</c> class: only ever data (the first field of a persistent id), never called.</summary>
    public sealed record StorageType(string Name, ScalarType DType, int ElementSize);

    /// <summary>A storage as the container file describes it: the key naming its bytes and its element count.</summary>
    public sealed record Storage(string Key, StorageType Type, long Numel);

    /// <summary>What a persistent id resolves to: a storage, seen from an element offset (legacy storage views; else 0).</summary>
    public sealed record StorageSlice(Storage Root, long Offset);

    /// <summary>A tensor as <c>torch._utils._rebuild_tensor_v2</c> would build it: a strided view of a storage.</summary>
    public sealed record TensorRef(StorageSlice Storage, long Offset, long[] Size, long[] Stride);

    /// <summary><c>argparse.Namespace</c> (training arguments some checkpoints keep), read as its attribute dict.</summary>
    public sealed class Namespace : Dictionary<object, object?>;

    /// <summary>The storage classes torch.save names, by class name (module <c>torch</c>, or <c>torch.cuda</c> in old files).</summary>
    public static IReadOnlyDictionary<string, StorageType> StorageTypes { get; } = new StorageType[]
    {
        new("DoubleStorage", ScalarType.Float64, 8), new("FloatStorage", ScalarType.Float32, 4),
        new("HalfStorage", ScalarType.Float16, 2), new("BFloat16Storage", ScalarType.BFloat16, 2),
        new("LongStorage", ScalarType.Int64, 8), new("IntStorage", ScalarType.Int32, 4),
        new("ShortStorage", ScalarType.Int16, 2), new("CharStorage", ScalarType.Int8, 1),
        new("ByteStorage", ScalarType.Byte, 1), new("BoolStorage", ScalarType.Bool, 1),
        new("ComplexFloatStorage", ScalarType.ComplexFloat32, 8), new("ComplexDoubleStorage", ScalarType.ComplexFloat64, 16),
    }.ToDictionary(s => s.Name);

    enum Callable { OrderedDict, RebuildTensor, RebuildTensorV2, RebuildParameter, RebuildParameterWithState, Namespace }

    sealed record Global(string FullName, Callable Kind);

    static readonly Dictionary<string, Callable> Callables = new()
    {
        ["collections.OrderedDict"] = Callable.OrderedDict,
        ["torch._utils._rebuild_tensor"] = Callable.RebuildTensor,
        ["torch._utils._rebuild_tensor_v2"] = Callable.RebuildTensorV2,
        ["torch._utils._rebuild_parameter"] = Callable.RebuildParameter,
        ["torch._utils._rebuild_parameter_with_state"] = Callable.RebuildParameterWithState,
        ["argparse.Namespace"] = Callable.Namespace,
    };

    readonly Stream input;
    readonly string path;
    readonly Func<object?, object>? persistentLoad;
    readonly List<object?> stack = [];
    readonly Stack<int> marks = new();
    readonly Dictionary<long, object?> memo = [];

    /// <param name="input">Seekable, positioned at the pickle; left just after its STOP opcode (torch's legacy
    /// format puts several pickles and raw bytes in one file).</param>
    /// <param name="path">Named in every error.</param>
    /// <param name="persistentLoad">Resolves BINPERSID ids (torch's storage tuples); null refuses them.</param>
    TorchPickle(Stream input, string path, Func<object?, object>? persistentLoad)
    {
        this.input = input;
        this.path = path;
        this.persistentLoad = persistentLoad;
    }

    /// <summary>Reads one pickle. Throws a one-line usage error naming <paramref name="path"/> for anything refused or
    /// malformed, and for a stream that ends before STOP.</summary>
    public static object? Load(Stream input, string path, Func<object?, object>? persistentLoad = null) =>
        new TorchPickle(input, path, persistentLoad).Run();

    object? Run()
    {
        while (true)
        {
            long at = input.Position;
            int op = input.ReadByte();
            if (op < 0) throw Truncated();
            switch (op)
            {
                case 0x80: if (ReadByte() > 5) throw Bad($"pickle protocol above 5 at byte {at}"); break;   // PROTO
                case 0x95: Read(8); break;                                                                   // FRAME: a length hint
                case '.': return Pop();                                                                      // STOP
                case '(': marks.Push(stack.Count); break;                                                    // MARK
                case '0': Pop(); break;                                                                      // POP
                case '1': PopMark(); break;                                                                  // POP_MARK
                case '2': Push(Peek()); break;                                                               // DUP
                case 'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case 'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Read(4))); break;                // BININT
                case 'K': Push((long)ReadByte()); break;                                                     // BININT1
                case 'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Read(2))); break;               // BININT2
                case 0x8a: Push(Long(Read(ReadByte()))); break;                                              // LONG1
                case 0x8b: Push(Long(Read(Length(BinaryPrimitives.ReadInt32LittleEndian(Read(4)))))); break; // LONG4
                case 'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Read(8))); break;                        // BINFLOAT
                case 'X' or 'T': Push(Encoding.UTF8.GetString(Read(Length(BinaryPrimitives.ReadUInt32LittleEndian(Read(4)))))); break;
                case 0x8c or 'U': Push(Encoding.UTF8.GetString(Read(ReadByte()))); break;                    // SHORT_BINUNICODE/_BINSTRING (Python 2 str)
                case 0x8d: Push(Encoding.UTF8.GetString(Read(Length(BinaryPrimitives.ReadInt64LittleEndian(Read(8)))))); break;
                case 'C': Push(Read(ReadByte())); break;                                                     // SHORT_BINBYTES
                case 'B': Push(Read(Length(BinaryPrimitives.ReadUInt32LittleEndian(Read(4))))); break;       // BINBYTES
                case 0x8e: Push(Read(Length(BinaryPrimitives.ReadInt64LittleEndian(Read(8))))); break;       // BINBYTES8
                case ')': Push(Array.Empty<object?>()); break;
                case 't': Push(PopMark().ToArray()); break;
                case 0x85: Push(new[] { Pop() }); break;
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; }
                case ']': Push(new List<object?>()); break;
                case 'l': Push(PopMark()); break;                                                            // LIST
                case 'a': { var v = Pop(); ListAt(at).Add(v); break; }                                       // APPEND
                case 'e': { var items = PopMark(); ListAt(at).AddRange(items); break; }                      // APPENDS
                case '}': Push(new Dictionary<object, object?>()); break;
                case 'd': { var items = PopMark(); var d = new Dictionary<object, object?>(); SetItems(d, items, at); Push(d); break; }
                case 's': { var v = Pop(); var k = Pop(); SetItems(DictAt(at), [k, v], at); break; }         // SETITEM
                case 'u': { var items = PopMark(); SetItems(DictAt(at), items, at); break; }                 // SETITEMS
                case 'q': memo[ReadByte()] = Peek(); break;                                                  // BINPUT
                case 'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(Read(4))] = Peek(); break;            // LONG_BINPUT
                case 0x94: memo[memo.Count] = Peek(); break;                                                 // MEMOIZE
                case 'h': Push(Memo(ReadByte(), at)); break;                                                 // BINGET
                case 'j': Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Read(4)), at)); break;           // LONG_BINGET
                case 'c': Push(FindGlobal(ReadLine(), ReadLine())); break;                                   // GLOBAL
                case 0x93: { var name = Pop(); var module = Pop(); Push(FindGlobal(Str(module, at), Str(name, at))); break; }
                case 'R': { var args = Pop(); Push(Reduce(Pop(), args, at)); break; }
                case 0x81: { var args = Pop(); Push(NewObject(Pop(), args, at)); break; }                    // NEWOBJ
                case 'b': { var state = Pop(); Build(Peek(), state, at); break; }
                case 'Q': Push(PersistentLoad(Pop(), at)); break;                                            // BINPERSID
                default:
                    throw Bad($"pickle opcode 0x{op:x2} at byte {at} is not one torch.save writes; refused");
            }
        }
    }

    object FindGlobal(string module, string name)
    {
        string full = $"{module}.{name}";
        if (Callables.TryGetValue(full, out var kind)) return new Global(full, kind);
        if (module is "torch" or "torch.cuda" && StorageTypes.TryGetValue(name, out var storage)) return storage;
        throw Bad($"refuses to unpickle {full}: only tensors and plain containers are read from PyTorch files "
            + "(Python would call it while loading); save a state_dict instead");
    }

    object Reduce(object? callable, object? args, long at)
    {
        if (callable is not Global g || args is not object?[] a) throw Bad($"REDUCE at byte {at} calls {Describe(callable)}; only allowed constructors are called");
        switch (g.Kind)
        {
            case Callable.OrderedDict:
                var d = new Dictionary<object, object?>();
                // OrderedDict's protocol-2 reduce passes () and SETITEMS; older pickles pass ([[key, value], ...],),
                // TorchSharp.PyBridge's writer ((),).
                if (a.Length == 1 && a[0] is IReadOnlyList<object?> pairs)
                    foreach (var p in pairs) SetItems(d, p as IReadOnlyList<object?> ?? throw Bad($"OrderedDict item at byte {at} is not a pair"), at);
                else if (a.Length != 0) throw Bad($"OrderedDict at byte {at} with {a.Length} arguments");
                return d;
            case Callable.RebuildTensor or Callable.RebuildTensorV2:
                if (a.Length < 4 || a[0] is not StorageSlice s) throw Bad($"{g.FullName} at byte {at} without a storage");
                long[] size = Longs(a[2], at), stride = Longs(a[3], at);
                if (size.Length != stride.Length || size.Any(x => x < 0) || stride.Any(x => x < 0) || Long(a[1], at) < 0)
                    throw Bad($"{g.FullName} at byte {at}: malformed size, stride or offset");
                return new TensorRef(s, Long(a[1], at), size, stride);
            case Callable.RebuildParameter or Callable.RebuildParameterWithState:
                return a.Length >= 1 && a[0] is TensorRef t ? t : throw Bad($"{g.FullName} at byte {at} without a tensor");
            default:
                throw Bad($"REDUCE at byte {at} calls {g.FullName}, which is not rebuilt that way");
        }
    }

    object NewObject(object? cls, object? args, long at) =>
        cls is Global { Kind: Callable.Namespace } && args is object?[] { Length: 0 } ? new Namespace()
            : throw Bad($"NEWOBJ at byte {at} of {Describe(cls)}; only argparse.Namespace is built that way");

    void Build(object? target, object? state, long at)
    {
        switch (target)
        {
            case Namespace ns when state is Dictionary<object, object?> attributes:
                foreach (var (k, v) in attributes) ns[k] = v;
                break;
            case Dictionary<object, object?>:
                break;   // an OrderedDict's attributes (state_dict()'s _metadata: module versions), not items
            default:
                throw Bad($"BUILD at byte {at} sets the state of {Describe(target)}; refused");
        }
    }

    object PersistentLoad(object? pid, long at) =>
        persistentLoad is null ? throw Bad($"persistent id at byte {at} outside the object pickle")
            : persistentLoad(pid) ?? throw Bad($"persistent id at byte {at} resolves to nothing");

    void SetItems(Dictionary<object, object?> d, IReadOnlyList<object?> items, long at)
    {
        if (items.Count % 2 != 0) throw Bad($"odd number of dict items at byte {at}");
        for (int i = 0; i < items.Count; i += 2)
            d[items[i] ?? throw Bad($"dict key None at byte {at} (not supported)")] = items[i + 1];
    }

    List<object?> ListAt(long at) => Peek() as List<object?> ?? throw Bad($"APPEND at byte {at} to {Describe(Peek())}");

    Dictionary<object, object?> DictAt(long at) =>
        Peek() is Dictionary<object, object?> d ? d : throw Bad($"SETITEM at byte {at} on {Describe(Peek())}");

    object? Memo(long index, long at) => memo.TryGetValue(index, out var v) ? v : throw Bad($"memo entry {index} read at byte {at} before it was written");

    void Push(object? o) => stack.Add(o);

    object? Peek() => stack.Count > (marks.Count > 0 ? marks.Peek() : 0) ? stack[^1] : throw Bad($"pickle stack underflow at byte {input.Position - 1}");

    object? Pop()
    {
        var o = Peek();
        stack.RemoveAt(stack.Count - 1);
        return o;
    }

    List<object?> PopMark()
    {
        if (marks.Count == 0) throw Bad($"pickle MARK missing at byte {input.Position - 1}");
        int m = marks.Pop();
        var items = stack.GetRange(m, stack.Count - m);
        stack.RemoveRange(m, stack.Count - m);
        return items;
    }

    int ReadByte() => input.ReadByte() is int b and >= 0 ? b : throw Truncated();

    byte[] Read(int n)
    {
        var buffer = new byte[n];
        if (input.ReadAtLeast(buffer, n, throwOnEndOfStream: false) < n) throw Truncated();
        return buffer;
    }

    /// <summary>A length field, refused when it claims more bytes than are left (a corrupt file must not allocate gigabytes).</summary>
    int Length(long n) => n >= 0 && n <= input.Length - input.Position && n <= Array.MaxLength ? (int)n : throw Truncated();

    string ReadLine()
    {
        var sb = new StringBuilder();
        for (int b = ReadByte(); b != '\n'; b = ReadByte())
            if (sb.Append((char)b).Length > 200) throw Bad($"GLOBAL name longer than 200 bytes at byte {input.Position}");
        return sb.ToString();
    }

    /// <summary>LONG1/LONG4: little-endian two's complement; a <see cref="long"/> when it fits (every int torch.save writes but the magic number).</summary>
    static object Long(byte[] bytes)
    {
        var v = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return v >= long.MinValue && v <= long.MaxValue ? (long)v : v;
    }

    long Long(object? o, long at) => o as long? ?? throw Bad($"expected an int at byte {at}, found {Describe(o)}");

    long[] Longs(object? o, long at) => o is object?[] t ? [.. t.Select(x => Long(x, at))] : throw Bad($"expected a tuple of ints at byte {at}, found {Describe(o)}");

    string Str(object? o, long at) => o as string ?? throw Bad($"expected a str at byte {at}, found {Describe(o)}");

    static string Describe(object? o) => o switch
    {
        null => "None",
        Global g => g.FullName,
        StorageType s => $"torch.{s.Name}",
        _ => o.GetType().Name,
    };

    UftException Bad(string what) => UftException.Usage($"{path}: {what}");

    UftException Truncated() => Bad($"ends early at byte {input.Position} of {input.Length} (truncated or not a PyTorch file)");
}
