using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Uft.Models;

/// <summary>
/// MoCo v2's MLP projection head (Chen et al. 2020): Linear(d, d) → ReLU → Linear(d, out), out = 128.
/// Children are named 0, 1, 2 so that, registered as <c>fc</c>, parameters read <c>fc.0.weight</c>, <c>fc.2.bias</c>
/// exactly as in MoCo v2 checkpoints.
/// </summary>
public sealed class ProjectionHead : Module<Tensor, Tensor>
{
    readonly Linear hidden, output;
    readonly Module<Tensor, Tensor> relu;

    public int InputDim { get; }
    public int OutputDim { get; }

    public ProjectionHead(int inputDim, int outputDim = 128) : base(nameof(ProjectionHead))
    {
        if (inputDim < 1) throw new ArgumentOutOfRangeException(nameof(inputDim), $"input dim {inputDim} must be at least 1");
        if (outputDim < 1) throw new ArgumentOutOfRangeException(nameof(outputDim), $"output dim {outputDim} must be at least 1");
        InputDim = inputDim; OutputDim = outputDim;
        hidden = Linear(inputDim, inputDim);
        relu = ReLU();
        output = Linear(inputDim, outputDim);
        register_module("0", hidden);
        register_module("1", relu);
        register_module("2", output);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return output.call(relu.call(hidden.call(x))).MoveToOuterDisposeScope();
    }
}
