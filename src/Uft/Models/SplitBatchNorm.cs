using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Uft.Models;

/// <summary>
/// BatchNorm2d that, in training, normalises <see cref="Splits"/> sub-batches separately: the one-device stand-in
/// for MoCo's shuffle-BN (the "SplitBatchNorm" of MoCo's CIFAR-10 demo notebook). Sub-batch s holds the consecutive
/// samples s·N/S … (s+1)·N/S − 1 (the notebook interleaves them; the same statistics for a batch in random order);
/// running statistics are updated per sub-batch and then averaged. In eval it is plain BatchNorm2d. Parameter and buffer names are BatchNorm2d's
/// (weight, bias, running_mean, running_var, num_batches_tracked), so state dicts interchange.
/// </summary>
public sealed class SplitBatchNorm : Module<Tensor, Tensor>
{
    readonly Parameter weight, bias;
    readonly Tensor running_mean, running_var, num_batches_tracked;
    readonly HeldScalar splitCount = new();

    public long Channels { get; }
    public int Splits { get; }
    public double Momentum { get; }
    public double Eps { get; }

    public SplitBatchNorm(long channels, int splits, double momentum = 0.1, double eps = 1e-5) : base(nameof(SplitBatchNorm))
    {
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), $"channels {channels} must be at least 1");
        if (splits < 1) throw new ArgumentOutOfRangeException(nameof(splits), $"splits {splits} must be at least 1");
        Channels = channels; Splits = splits; Momentum = momentum; Eps = eps;
        weight = new Parameter(ones(channels));
        bias = new Parameter(zeros(channels));
        running_mean = zeros(channels);
        running_var = ones(channels);
        num_batches_tracked = zeros([], ScalarType.Int64);
        register_parameter("weight", weight);
        register_parameter("bias", bias);
        register_buffer("running_mean", running_mean);
        register_buffer("running_var", running_var);
        register_buffer("num_batches_tracked", num_batches_tracked);
    }

    /// <summary>A <see cref="NormFactory"/> for <see cref="ResNet"/>.</summary>
    public static NormFactory Factory(int splits) => channels => new SplitBatchNorm(channels, splits);

    public override Tensor forward(Tensor x)
    {
        // The scope also releases the handles that in-place updates of the buffers return.
        using var scope = NewDisposeScope();
        if (!training || Splits == 1)
        {
            if (training) using (no_grad()) num_batches_tracked.add_(HeldScalar.One, HeldScalar.One);
            return functional.batch_norm(x, running_mean, running_var, weight, bias, training, Momentum, Eps).MoveToOuterDisposeScope();
        }
        long n = x.shape[0];
        if (n % Splits != 0)
            throw new ArgumentException($"SplitBatchNorm: batch {n} is not a multiple of {Splits} splits; drop the last short batch", nameof(x));
        // Consecutive sub-batches are views in any memory layout (a channel-wise view of the interleaved samples would
        // need NCHW); the loader's batches are in random order, so which images share a sub-batch is random either way.
        var parts = x.chunk(Splits, 0);
        var outputs = new Tensor[Splits];
        Tensor meanSum = zeros_like(running_mean), varSum = zeros_like(running_var);
        for (int s = 0; s < Splits; s++)
        {
            var mean = running_mean.clone();
            var variance = running_var.clone();
            outputs[s] = functional.batch_norm(parts[s], mean, variance, weight, bias, true, Momentum, Eps);
            meanSum.add_(mean, HeldScalar.One); varSum.add_(variance, HeldScalar.One);
        }
        var y = cat(outputs, 0);
        using (no_grad())
        {
            running_mean.copy_(meanSum.div_(splitCount.Of(Splits)));
            running_var.copy_(varSum.div_(splitCount.Of(Splits)));
            num_batches_tracked.add_(HeldScalar.One, HeldScalar.One);
        }
        return y.MoveToOuterDisposeScope();
    }
}
