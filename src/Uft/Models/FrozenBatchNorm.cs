using TorchSharp;

namespace Uft.Models;

/// <summary>
/// Freezes the batch-norm statistics of a pretrained network that is otherwise training: every BatchNorm2d and
/// SplitBatchNorm under the module goes to eval mode, so it normalises with its running statistics and leaves them
/// alone, while its scale and shift still learn. Call it after each <c>train()</c>, which puts them back.
/// </summary>
public static class FrozenBatchNorm
{
    public static void Apply(torch.nn.Module module)
    {
        foreach (var m in module.modules())
            if (m is TorchSharp.Modules.BatchNorm or SplitBatchNorm) m.eval();
    }
}
