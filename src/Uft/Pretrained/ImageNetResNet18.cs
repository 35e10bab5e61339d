using Uft.Data;
using Uft.Interop;
using Uft.Models;
using static TorchSharp.torch;

namespace Uft.Pretrained;

/// <summary>
/// The ImageNet-supervised ResNet of ML.NET's <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> 0.23.1 (MIT; exported
/// from CNTK as ONNX opset 8) as a UFT <see cref="ResNet"/>: BasicBlock stages of 2,2,2,3 (not torchvision's 2,2,2,2),
/// no classifier, 512-d pooled features. The weights are read from the package's ONNX file, which the build copies to
/// <c>DnnImageModels/</c> beside the application; nothing is downloaded at run time.
/// <para>CNTK pads stride-2 convolutions and the max-pool 1 before and 0 after (the stem 3 and 2); that equals
/// PyTorch's symmetric padding whenever height and width are multiples of 32, and its fixed 7x7 average pool is the
/// adaptive pool at 224 px. The network was trained on BGR 0..255 minus a per-pixel mean image; a
/// <see cref="BgrMeanInput"/> adapter converts UFT's normalised RGB so callers feed it like any backbone.</para>
/// </summary>
public static class ImageNetResNet18
{
    public const string Name = "resnet18-imagenet-sup";
    public const string Package = "Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1";
    public static readonly int[] Blocks = [2, 2, 2, 3];

    public static string DefaultModelPath => Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");
    public static string DefaultPreprocessPath => Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNetPrepOnnx", "ResNetPreprocess.onnx");

    /// <summary>The pretrained backbone with its input adapter (per-pixel mean image, resized at other sizes).</summary>
    /// <param name="perChannelMean">Subtract the mean image's per-channel means (B 103.06, G 115.90, R 123.15) instead
    /// of the image itself: independent of crop position and size.</param>
    public static ResNet Create(NormFactory? norm = null, bool perChannelMean = false, string? modelPath = null, string? preprocessPath = null)
    {
        modelPath ??= DefaultModelPath;
        preprocessPath ??= DefaultPreprocessPath;
        foreach (var p in new[] { modelPath, preprocessPath })
            if (!File.Exists(p))
                throw new UftException($"{p}: pretrained weights of '{Name}' are missing; they come from the NuGet package {Package}: run `dotnet restore` and rebuild so the build copies DnnImageModels/ beside the application");

        using var mean = ReadMeanImage(preprocessPath);
        using var adapterMean = perChannelMean ? mean.mean([1, 2], keepdim: true) : mean.alias();
        var net = new ResNet(Name, false, Blocks, norm, new BgrMeanInput(adapterMean, InputNorm.ImageNet));
        var weights = ReadStateDict(modelPath);
        try
        {
            var report = StateDictImport.Apply(net, weights, prefix: "");
            if (report.Missing.Count > 0 || report.Unexpected.Count > 0)
                throw new UftException($"{modelPath}: ONNX graph does not map onto a 2,2,2,3 ResNet ({report.Summary()})");
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
        return net;
    }

    /// <summary>The (3,224,224) BGR mean image on 0..255, the <c>MeanImage</c> initializer of the preprocessing graph.</summary>
    public static Tensor ReadMeanImage(string preprocessPath)
    {
        var g = OnnxGraph.Read(preprocessPath);
        if (!g.Initializers.TryGetValue("MeanImage", out var m) || m.Dims.Length != 4 || m.Dims[1] != 3)
            throw new UftException($"{preprocessPath}: no (1,3,H,W) MeanImage initializer");
        return tensor(m.Data, [3, m.Dims[2], m.Dims[3]]);
    }

    /// <summary>
    /// Reads the ONNX initializers and names them as torchvision would, by graph position: each Conv is named by its
    /// kernel (7x7 the stem, 1x1 the next stage's <c>downsample.0</c>, 3x3 the next block's conv1/conv2 in order) and
    /// each BatchNormalization after the Conv whose output it reads (scale, bias, mean, var → weight, bias,
    /// running_mean, running_var).
    /// </summary>
    public static Dictionary<string, Tensor> ReadStateDict(string modelPath)
    {
        var g = OnnxGraph.Read(modelPath);
        var convNames = new Queue<string>();
        var downNames = new Queue<string>();
        for (int s = 0; s < Blocks.Length; s++)
            for (int b = 0; b < Blocks[s]; b++)
            {
                convNames.Enqueue($"layer{s + 1}.{b}.conv1");
                convNames.Enqueue($"layer{s + 1}.{b}.conv2");
                if (s > 0 && b == 0) downNames.Enqueue($"layer{s + 1}.0.downsample.0");
            }

        var sd = new Dictionary<string, Tensor>();
        var convByOutput = new Dictionary<string, string>();
        Tensor Init(string name)
        {
            if (!g.Initializers.TryGetValue(name, out var i) || i.Data.Length == 0)
                throw new UftException($"{modelPath}: float initializer '{name}' not found");
            return tensor(i.Data, i.Dims);
        }
        UftException Bad(string what) => new($"{modelPath}: unexpected graph for {Name}: {what}");

        foreach (var n in g.Nodes)
        {
            if (n.OpType == "Conv")
            {
                var w = g.Initializers.GetValueOrDefault(n.Inputs[1]) ?? throw new UftException($"{modelPath}: Conv weight '{n.Inputs[1]}' not found");
                if (n.Inputs.Count > 2) throw Bad("a Conv has a bias");
                string name = w.Dims[^1] switch
                {
                    7 when !sd.ContainsKey("conv1.weight") => "conv1",
                    3 when convNames.Count > 0 => convNames.Dequeue(),
                    1 when downNames.Count > 0 => downNames.Dequeue(),
                    _ => throw Bad($"Conv '{n.Inputs[1]}' with kernel {w.Dims[^1]} has no place"),
                };
                sd[name + ".weight"] = Init(n.Inputs[1]);
                convByOutput[n.Outputs[0]] = name;
            }
            else if (n.OpType == "BatchNormalization")
            {
                if (!convByOutput.TryGetValue(n.Inputs[0], out var conv)) throw Bad($"a BatchNormalization reads '{n.Inputs[0]}', not a Conv output");
                string bn = conv == "conv1" ? "bn1"
                    : conv.EndsWith("downsample.0") ? conv[..^1] + "1"
                    : conv[..^5] + "bn" + conv[^1];
                sd[bn + ".weight"] = Init(n.Inputs[1]);
                sd[bn + ".bias"] = Init(n.Inputs[2]);
                sd[bn + ".running_mean"] = Init(n.Inputs[3]);
                sd[bn + ".running_var"] = Init(n.Inputs[4]);
            }
        }
        if (convNames.Count > 0 || downNames.Count > 0 || !sd.ContainsKey("conv1.weight"))
            throw Bad($"{convNames.Count + downNames.Count} convolutions of the 2,2,2,3 ResNet not found");
        return sd;
    }
}
