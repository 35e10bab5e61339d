namespace Uft.Models;

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
}
