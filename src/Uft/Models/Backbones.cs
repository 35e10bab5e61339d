namespace Uft.Models;

/// <summary>A backbone users can pick by name, and where its weights come from.</summary>
public sealed record BackboneInfo(string Name, string Architecture, int FeatureDim, string Weights, Func<NormFactory?, ResNet> Create)
{
    public InputNorm Norm => InputNorm.ImageNet;
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
    ];

    public static BackboneInfo Find(string name) =>
        All.FirstOrDefault(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw UftException.Usage($"unknown backbone '{name}'; choose one of: {string.Join(", ", All.Select(b => b.Name))} (see `uft backbones`)");

    public static ResNet Create(string name, NormFactory? norm = null) => Find(name).Create(norm);
}
