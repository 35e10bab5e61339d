using System.Text;
using Uft.Models;
using static TorchSharp.torch;

namespace Uft.Interop;

/// <summary>
/// Writes a UFT <see cref="ResNet"/> (and its <see cref="BgrMeanInput"/> adapter, if any) as an ONNX model, opset 13,
/// by hand: TorchSharp binds libtorch's C++ API, which has no ONNX exporter (torch.onnx is Python). The graph is built
/// from the module's torchvision-named state dict and ResNet's fixed layout (stride 2 in the first block of stages
/// 2-4, symmetric "same" padding, BatchNorm epsilon 1e-5), so it covers exactly the architectures <see cref="ResNet"/>
/// builds. Input <c>input</c> (N,3,H,W) normalised RGB, output <c>features</c> (N, FeatureDim).
/// </summary>
static class OnnxExport
{
    const int Opset = 13;
    const float BnEpsilon = 1e-5f;

    public static byte[] Build(ResNet model, out string? unsupported)
    {
        unsupported = null;
        var sd = model.state_dict();
        var g = new GraphBuilder(sd);
        string x = "input";
        long? fixedH = null, fixedW = null;
        switch (model.InputAdapter)
        {
            case null: break;
            case BgrMeanInput a:
                var mean = a.Mean;
                if (mean.shape[2] != 1) { fixedH = mean.shape[2]; fixedW = mean.shape[3]; }
                x = g.Node("Gather", [x, g.Const("adapter.bgr", [2, 1, 0])], [("axis", 1L)]);
                x = g.Node("Mul", [x, g.Const("adapter.scale", a.Scale.ToArray(), [1, 3, 1, 1])]);
                x = g.Node("Add", [x, g.Const("adapter.shift", a.Shift.ToArray(), [1, 3, 1, 1])]);
                x = g.Node("Sub", [x, g.Const("adapter.mean", mean.cpu().data<float>().ToArray(), mean.shape)]);
                break;
            default:
                unsupported = $"input adapter {model.InputAdapter.GetType().Name} has no ONNX form";
                return [];
        }

        x = g.Node("Relu", [g.ConvBn(x, "conv1", "bn1", 2)]);
        x = g.Node("MaxPool", [x], [("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 })]);
        for (int s = 1; s <= 4; s++)
            for (int b = 0; sd.ContainsKey($"layer{s}.{b}.conv1.weight"); b++)
            {
                string p = $"layer{s}.{b}.";
                int stride = s > 1 && b == 0 ? 2 : 1;
                bool bottleneck = sd.ContainsKey(p + "conv3.weight");
                string h = g.Node("Relu", [g.ConvBn(x, p + "conv1", p + "bn1", bottleneck ? 1 : stride)]);
                h = g.ConvBn(h, p + "conv2", p + "bn2", bottleneck ? stride : 1);
                if (bottleneck) h = g.ConvBn(g.Node("Relu", [h]), p + "conv3", p + "bn3", 1);
                string identity = sd.ContainsKey(p + "downsample.0.weight") ? g.ConvBn(x, p + "downsample.0", p + "downsample.1", stride) : x;
                x = g.Node("Relu", [g.Node("Add", [h, identity])]);
            }
        x = g.Node("GlobalAveragePool", [x]);
        g.Node("Flatten", [x], [("axis", 1L)], output: "features");

        var graph = new Proto();
        foreach (var n in g.Nodes) graph.Message(1, n);
        graph.String(2, model.GetName());
        foreach (var i in g.Initializers) graph.Message(5, i);
        graph.Message(11, ValueInfo("input", [null, 3, fixedH, fixedW], ["N", null, "H", "W"]));
        graph.Message(12, ValueInfo("features", [null, model.FeatureDim], ["N", null]));
        var m = new Proto();
        m.Varint(1, 7); // IR version 7 (ONNX 1.8), enough for opset 13
        m.String(2, "UFT");
        m.Message(7, graph);
        m.Message(8, new Proto().String(1, "").Varint(2, Opset));
        return m.ToArray();
    }

    static Proto ValueInfo(string name, long?[] dims, string?[] symbols)
    {
        var shape = new Proto();
        for (int i = 0; i < dims.Length; i++)
            shape.Message(1, dims[i] is long d ? new Proto().Varint(1, d) : new Proto().String(2, symbols[i]!));
        var tensor = new Proto().Varint(1, 1).Message(2, shape);
        return new Proto().String(1, name).Message(2, new Proto().Message(1, tensor));
    }

    sealed class GraphBuilder(Dictionary<string, Tensor> sd)
    {
        public List<Proto> Nodes { get; } = [];
        public List<Proto> Initializers { get; } = [];
        int count;

        public string Node(string op, string[] inputs, (string Name, object Value)[]? attrs = null, string? output = null)
        {
            output ??= $"{op.ToLowerInvariant()}_{count++}";
            var n = new Proto();
            foreach (var i in inputs) n.String(1, i);
            n.String(2, output).String(3, output).String(4, op);
            foreach (var (name, value) in attrs ?? [])
                n.Message(5, value switch
                {
                    long i => new Proto().String(1, name).Varint(3, i).Varint(20, 2),
                    float f => new Proto().String(1, name).Float(2, f).Varint(20, 1),
                    long[] ints => ints.Aggregate(new Proto().String(1, name), (p, v) => p.Varint(8, v)).Varint(20, 7),
                    _ => throw new ArgumentException(name),
                });
            Nodes.Add(n);
            return output;
        }

        public string ConvBn(string x, string conv, string bn, int stride)
        {
            var w = sd[conv + ".weight"];
            long k = w.shape[2], pad = k / 2;
            string y = Node("Conv", [x, Init(conv + ".weight")],
                [("kernel_shape", new[] { k, k }), ("strides", new long[] { stride, stride }), ("pads", new[] { pad, pad, pad, pad })]);
            return Node("BatchNormalization", [y, Init(bn + ".weight"), Init(bn + ".bias"), Init(bn + ".running_mean"), Init(bn + ".running_var")],
                [("epsilon", BnEpsilon)]);
        }

        string Init(string key)
        {
            var t = sd[key];
            return Const(key, t.detach().cpu().to(float32).contiguous().data<float>().ToArray(), t.shape);
        }

        public string Const(string name, float[] data, long[] dims) => Add(name, dims, 1, System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray());

        public string Const(string name, long[] data) => Add(name, [data.Length], 7, System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray());

        string Add(string name, long[] dims, int dataType, byte[] raw)
        {
            var t = new Proto();
            foreach (var d in dims) t.Varint(1, d);
            Initializers.Add(t.Varint(2, dataType).String(8, name).Bytes(9, raw));
            return name;
        }
    }

    /// <summary>Protobuf wire-format writer for one message; nested messages are written into their parent.</summary>
    sealed class Proto
    {
        readonly MemoryStream s = new();

        void Key(int field, int wire) => Raw((ulong)(field << 3 | wire));

        void Raw(ulong v)
        {
            while (v >= 0x80) { s.WriteByte((byte)(v | 0x80)); v >>= 7; }
            s.WriteByte((byte)v);
        }

        public Proto Varint(int field, long v) { Key(field, 0); Raw((ulong)v); return this; }
        public Proto Float(int field, float f) { Key(field, 5); s.Write(BitConverter.GetBytes(f)); return this; }
        public Proto Bytes(int field, byte[] b) { Key(field, 2); Raw((ulong)b.Length); s.Write(b); return this; }
        public Proto String(int field, string v) => Bytes(field, Encoding.UTF8.GetBytes(v));
        public Proto Message(int field, Proto m) => Bytes(field, m.ToArray());
        public byte[] ToArray() => s.ToArray();
    }
}
