using TorchSharp;

namespace Uft.Models;

/// <summary>
/// Keeps the first stages of a pretrained <see cref="ResNet"/> exactly as they are while the rest finetunes: the stem
/// (<c>conv1</c>, <c>bn1</c>) and <c>layer1</c> … <c>layer{N}</c> get no gradients (autograd then skips their backward,
/// the costliest part of a step at full resolution) and their batch norm stays in eval mode. The low-level filters an
/// ImageNet backbone learned transfer across domains; a short run has the least reason to move them. Call
/// <see cref="Apply"/> after each <c>train()</c>, which puts batch norm back in train mode.
/// </summary>
public static class FrozenStages
{
    /// <summary>The most stages <c>--freeze-stages</c> freezes for a whole run: the stem with layer1 to layer3; layer4
    /// and the head always train.</summary>
    public const int Max = 3;

    /// <summary>The state-dict prefixes (relative to the backbone) of the stem and the first <paramref name="stages"/> stages.</summary>
    public static IReadOnlyList<string> Prefixes(int stages)
    {
        if (stages is < 0 or > Max) throw new ArgumentOutOfRangeException(nameof(stages), stages, $"0 to {Max}");
        return stages == 0 ? [] : ["conv1.", "bn1.", .. Enumerable.Range(1, stages).Select(s => $"layer{s}.")];
    }

    /// <summary>Freezes the stem and the first <paramref name="stages"/> stages of <paramref name="backbone"/> (0: nothing).</summary>
    public static void Apply(ResNet backbone, int stages)
    {
        var prefixes = Prefixes(stages);
        if (prefixes.Count == 0) return;
        foreach (var (name, p) in backbone.named_parameters())
            if (prefixes.Any(name.StartsWith)) p.requires_grad = false;
        foreach (var (name, m) in backbone.named_modules())
            if (prefixes.Any(prefix => (name + ".").StartsWith(prefix))) m.eval();
    }
}
