using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Uft.Training;

/// <summary>
/// SGD with momentum and weight decay, PyTorch semantics (no dampening): d = g + wd·p; buf = μ·buf + d;
/// p −= lr·buf, or with Nesterov p −= lr·(d + μ·buf). Written here rather than using TorchSharp's <c>optim.SGD</c> so
/// that the momentum buffers are plain named tensors that a checkpoint saves and restores exactly (TorchSharp keeps
/// them in optimizer-internal state with no stable names), and so that every number reaches libtorch as a held
/// Scalar: <c>optim.SGD.step</c> passes its weight decay, momentum and learning rate as temporaries (see HeldScalar).
/// </summary>
public sealed class MomentumSgd
{
    readonly (string Name, Parameter Parameter, Tensor Buffer)[] slots;
    readonly HeldScalar decay = new(), momentum = new(), step = new();

    public double LearningRate { get; set; }
    public double Momentum { get; }
    public double WeightDecay { get; }
    public bool Nesterov { get; }

    /// <param name="parameters">Named parameters; the names key the momentum buffers in <see cref="StateDict"/>.</param>
    public MomentumSgd(IEnumerable<(string Name, Parameter Parameter)> parameters, double learningRate, double momentum = 0.9, double weightDecay = 1e-4,
        bool nesterov = false)
    {
        if (!(learningRate >= 0)) throw UftException.Usage($"--lr: {learningRate} must be a non-negative number");
        if (!(momentum >= 0 && momentum < 1)) throw UftException.Usage($"--momentum: {momentum} must be in [0, 1)");
        if (!(weightDecay >= 0)) throw UftException.Usage($"--wd: {weightDecay} must be a non-negative number");
        LearningRate = learningRate; Momentum = momentum; WeightDecay = weightDecay; Nesterov = nesterov;
        // Zero buffers make the first step buf = d, as PyTorch's clone of d on first use.
        slots = parameters.Select(p => (p.Name, p.Parameter, zeros_like(p.Parameter).requires_grad_(false))).ToArray();
    }

    public void ZeroGrad()
    {
        // Each read of .grad, and each in-place op, returns a new handle: the scope releases them.
        using var scope = NewDisposeScope();
        foreach (var (_, p, _) in slots) p.grad?.zero_();
    }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (_, p, buf) in slots)
        {
            // A parameter frozen after the optimizer was built may still hold a zeroed gradient from earlier steps:
            // weight decay and momentum would move it.
            if (!p.requires_grad) continue;
            var g = p.grad;
            if (g is null) continue;
            var d = WeightDecay != 0 ? g.add(p, alpha: decay.Of(WeightDecay)) : g;
            buf.mul_(momentum.Of(Momentum)).add_(d, HeldScalar.One);
            p.add_(Nesterov ? d.add(buf, momentum.Of(Momentum)) : buf, alpha: step.Of(-LearningRate));
        }
    }

    /// <summary>Momentum buffers keyed <c>&lt;parameter name&gt;.momentum_buffer</c> (views of the live buffers).</summary>
    public Dictionary<string, Tensor> StateDict() => slots.ToDictionary(s => s.Name + ".momentum_buffer", s => s.Buffer);

    /// <summary>Copies saved buffers in; every parameter's buffer must be present with its shape.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        using var _ = no_grad();
        foreach (var (name, _, buf) in slots)
        {
            if (!state.TryGetValue(name + ".momentum_buffer", out var saved))
                throw new UftException($"optimizer state: no momentum buffer for {name}; the checkpoint is from another model");
            if (!saved.shape.SequenceEqual(buf.shape))
                throw new UftException($"optimizer state: {name} has shape [{string.Join(",", saved.shape)}], expected [{string.Join(",", buf.shape)}]");
            buf.copy_(saved);
        }
    }
}
