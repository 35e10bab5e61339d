using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Uft.Models;

/// <summary>
/// MoCo v2's MLP projection head (Chen et al. 2020): Linear(d, d) → ReLU → Linear(d, out), out = 128.
/// Children are named 0, 1, 2 so that, registered as <c>fc</c>, parameters read <c>fc.0.weight</c>, <c>fc.2.bias</c>
/// exactly as in MoCo v2 checkpoints.
/// </summary>
public static class ProjectionHead
{
    /// <summary>Linear(in, in) → ReLU → Linear(in, out), as a Sequential whose children are named 0, 1, 2
    /// (a module class with fields would register each layer a second time under its field name).</summary>
    public static Sequential Create(int inputDim, int outputDim = 128)
    {
        if (inputDim < 1) throw new ArgumentOutOfRangeException(nameof(inputDim), $"input dim {inputDim} must be at least 1");
        if (outputDim < 1) throw new ArgumentOutOfRangeException(nameof(outputDim), $"output dim {outputDim} must be at least 1");
        return Sequential(("0", Linear(inputDim, inputDim)), ("1", ReLU()), ("2", Linear(inputDim, outputDim)));
    }
}
