using System.Runtime.InteropServices;
using System.Text;

namespace Uft.Interop;

/// <summary>
/// The parts of an ONNX model needed to take its weights: the nodes (operator, inputs, outputs, in graph order) and
/// the float initializers. A small protobuf reader (wire format only, no schema code) instead of Google.Protobuf: it
/// reads ModelProto.graph (7), GraphProto.node (1) / initializer (5), NodeProto.input (1) / output (2) / op_type (4),
/// TensorProto.dims (1) / data_type (2) / float_data (4) / name (8) / raw_data (9), and skips everything else.
/// </summary>
public sealed class OnnxGraph
{
    public sealed record Node(string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);
    public sealed record Initializer(string Name, long[] Dims, float[] Data);

    public IReadOnlyList<Node> Nodes { get; }
    public IReadOnlyDictionary<string, Initializer> Initializers { get; }

    OnnxGraph(List<Node> nodes, Dictionary<string, Initializer> inits) { Nodes = nodes; Initializers = inits; }

    public static OnnxGraph Read(string path)
    {
        if (!File.Exists(path)) throw UftException.Usage($"{path}: ONNX model not found");
        try
        {
            return Parse(File.ReadAllBytes(path));
        }
        catch (FormatException e)
        {
            throw UftException.Usage($"{path}: not a readable ONNX model ({e.Message})");
        }
    }

    public static OnnxGraph Parse(ReadOnlySpan<byte> model)
    {
        var nodes = new List<Node>();
        var inits = new Dictionary<string, Initializer>();
        var m = new Reader(model);
        bool sawGraph = false;
        while (m.Next(out int field, out int wire))
        {
            if (field != 7 || wire != 2) { m.Skip(wire); continue; }
            sawGraph = true;
            var g = new Reader(m.Bytes());
            while (g.Next(out int gf, out int gw))
            {
                if (gf == 1 && gw == 2) nodes.Add(ParseNode(g.Bytes()));
                else if (gf == 5 && gw == 2) { var t = ParseTensor(g.Bytes()); inits[t.Name] = t; }
                else g.Skip(gw);
            }
        }
        if (!sawGraph) throw new FormatException("no graph");
        return new OnnxGraph(nodes, inits);
    }

    static Node ParseNode(ReadOnlySpan<byte> span)
    {
        var r = new Reader(span);
        var inputs = new List<string>();
        var outputs = new List<string>();
        string op = "";
        while (r.Next(out int f, out int w))
        {
            if (f == 1 && w == 2) inputs.Add(r.String());
            else if (f == 2 && w == 2) outputs.Add(r.String());
            else if (f == 4 && w == 2) op = r.String();
            else r.Skip(w);
        }
        return new Node(op, inputs, outputs);
    }

    static Initializer ParseTensor(ReadOnlySpan<byte> span)
    {
        const int Float = 1;
        var r = new Reader(span);
        var dims = new List<long>();
        var floats = new List<float>();
        byte[]? raw = null;
        string name = "";
        int dataType = 0;
        while (r.Next(out int f, out int w))
        {
            if (f == 1 && w == 0) dims.Add((long)r.Varint());
            else if (f == 1 && w == 2) { var p = new Reader(r.Bytes()); while (!p.End) dims.Add((long)p.Varint()); }
            else if (f == 2 && w == 0) dataType = (int)r.Varint();
            else if (f == 4 && w == 5) floats.Add(BitConverter.Int32BitsToSingle((int)r.Fixed32()));
            else if (f == 4 && w == 2) floats.AddRange(MemoryMarshal.Cast<byte, float>(r.Bytes()).ToArray());
            else if (f == 8 && w == 2) name = r.String();
            else if (f == 9 && w == 2) raw = r.Bytes().ToArray();
            else r.Skip(w);
        }
        if (dataType != Float) return new Initializer(name, [.. dims], []);
        var data = raw is not null ? MemoryMarshal.Cast<byte, float>(raw).ToArray() : [.. floats];
        long count = dims.Aggregate(1L, (a, b) => a * b);
        if (data.Length != count) throw new FormatException($"initializer '{name}' holds {data.Length} floats for shape [{string.Join(",", dims)}]");
        return new Initializer(name, [.. dims], data);
    }

    /// <summary>Protobuf wire-format cursor over a byte span (little-endian host assumed, as ONNX data is).</summary>
    ref struct Reader(ReadOnlySpan<byte> span)
    {
        readonly ReadOnlySpan<byte> s = span;
        int pos;

        public readonly bool End => pos >= s.Length;

        public bool Next(out int field, out int wire)
        {
            if (End) { field = wire = 0; return false; }
            ulong key = Varint();
            field = (int)(key >> 3);
            wire = (int)(key & 7);
            return true;
        }

        public ulong Varint()
        {
            ulong v = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (pos >= s.Length) throw new FormatException("truncated varint");
                byte b = s[pos++];
                v |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) return v;
            }
            throw new FormatException("varint too long");
        }

        public uint Fixed32()
        {
            if (pos + 4 > s.Length) throw new FormatException("truncated fixed32");
            uint v = BitConverter.ToUInt32(s.Slice(pos, 4));
            pos += 4;
            return v;
        }

        public ReadOnlySpan<byte> Bytes()
        {
            ulong len = Varint();
            if (len > (ulong)(s.Length - pos)) throw new FormatException("truncated field");
            var b = s.Slice(pos, (int)len);
            pos += (int)len;
            return b;
        }

        public string String() => Encoding.UTF8.GetString(Bytes());

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0: Varint(); break;
                case 1: pos += 8; break;
                case 2: Bytes(); break;
                case 5: pos += 4; break;
                default: throw new FormatException($"unsupported wire type {wire}");
            }
            if (pos > s.Length) throw new FormatException("truncated field");
        }
    }
}
