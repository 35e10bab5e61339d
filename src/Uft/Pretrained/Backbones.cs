using Uft.Data;
using Uft.Interop;
using Uft.Models;

namespace Uft.Pretrained;

/// <summary>A backbone users can pick by name, and where its weights come from.</summary>
/// <param name="WeightsFile">The file the weights are read from at run time; null when the backbone starts from random init.</param>
public sealed record BackboneInfo(string Name, string Architecture, int FeatureDim, string Weights, Func<NormFactory?, ResNet> Create, string? WeightsFile = null)
{
    public InputNorm Norm => InputNorm.ImageNet;

    /// <summary>For <c>uft backbones</c>: "built in", or whether the weights file is where the build put it.</summary>
    public string Status => WeightsFile is null ? "built in"
        : File.Exists(WeightsFile) ? "present" : $"missing: {WeightsFile} (run dotnet restore and rebuild)";
}

/// <summary>The built-in backbones. All take RGB input normalised with <see cref="InputNorm.ImageNet"/>.</summary>
public static class Backbones
{
    public static IReadOnlyList<BackboneInfo> All { get; } =
    [
        new("resnet18", "ResNet-18 (torchvision)", 512, "random init", n => ResNet.ResNet18(n)),
        new("resnet34", "ResNet-34 (torchvision)", 512, "random init", n => ResNet.ResNet34(n)),
        new("resnet50", "ResNet-50 (torchvision)", 2048, "random init", n => ResNet.ResNet50(n)),
        new("resnet101", "ResNet-101 (torchvision)", 2048, "random init", n => ResNet.ResNet101(n)),
        new(ImageNetResNet18.Name, "ResNet, BasicBlock 2,2,2,3 (CNTK)", 512,
            $"ImageNet supervised, NuGet {ImageNetResNet18.Package} (MIT), ONNX read at load",
            n => ImageNetResNet18.Create(n), ImageNetResNet18.DefaultModelPath),
    ];

    public static BackboneInfo Find(string name) =>
        All.FirstOrDefault(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw UftException.Usage($"unknown backbone '{name}'; choose one of: {string.Join(", ", All.Select(b => b.Name))} (see `uft backbones`)");

    public static ResNet Create(string name, NormFactory? norm = null) => Find(name).Create(norm);

    /// <summary>Metadata key naming a built-in architecture in the safetensors files UFT writes.</summary>
    public const string ArchitectureKey = "backbone";

    /// <summary>
    /// A built-in backbone by name, or a weights file: a UFT export (its metadata names the architecture, e.g. the
    /// ImageNet ResNet with its input adapter), a torchvision ResNet state dict or a MoCo checkpoint (architecture read
    /// from the keys: block counts per stage, bottleneck or not). Returns the model and the name to record for it.
    /// </summary>
    public static (ResNet Model, string Architecture) Load(string nameOrFile, NormFactory? norm = null)
    {
        if (!File.Exists(nameOrFile))
        {
            if (nameOrFile.Contains('/') || nameOrFile.Contains('.'))
                throw UftException.Usage($"--backbone {nameOrFile}: no such file, and not a backbone name; see `uft backbones`");
            var info = Find(nameOrFile);
            return (info.Create(norm), info.Name);
        }
        string? arch = null;
        Dictionary<string, TorchSharp.torch.Tensor> tensors;
        if (nameOrFile.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            tensors = SafeTensors.Load(nameOrFile, out var metadata);
            metadata.TryGetValue(ArchitectureKey, out arch);
        }
        else tensors = StateDictImport.ReadFile(nameOrFile);
        try
        {
            ResNet model;
            if (arch is not null) model = Find(arch).Create(norm);
            else
            {
                var prefix = StateDictImport.DetectPrefix(tensors.Keys);
                var keys = tensors.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Select(k => k[prefix.Length..]).ToList();
                var blocks = Enumerable.Range(1, 4).Select(l => keys.Where(k => k.StartsWith($"layer{l}.")).Select(k => k.Split('.')[1]).Distinct().Count()).ToArray();
                if (blocks.Any(b => b == 0))
                    throw UftException.Usage($"{nameOrFile}: not a ResNet state dict (no layer1..layer4 keys); give a torchvision ResNet, a MoCo checkpoint or a UFT backbone");
                bool bottleneck = keys.Contains("layer1.0.conv3.weight");
                model = new ResNet(Path.GetFileName(nameOrFile), bottleneck, blocks, norm);
                arch = $"resnet({(bottleneck ? "bottleneck" : "basic")} {string.Join(",", blocks)})";
            }
            var report = StateDictImport.Apply(model, tensors);
            if (!report.IsComplete)
                throw UftException.Usage($"{nameOrFile}: weights do not fit {arch}: {report.Summary()}");
            return (model, arch);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
