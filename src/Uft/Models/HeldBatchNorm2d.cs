using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Uft.Models;

/// <summary>
/// TorchSharp's <c>nn.BatchNorm2d</c> (same parameters, buffers, momentum semantics including <c>momentum = null</c> for
/// a cumulative average), except that training counts batches with a held Scalar: TorchSharp's forward calls
/// <c>num_batches_tracked.add_(1)</c>, whose temporary Scalar a garbage collection can free under the op (see
/// <see cref="HeldScalar"/>). The default normalisation of <see cref="ResNet"/>.
/// </summary>
public sealed class HeldBatchNorm2d(long channels, double eps = 1e-5, double momentum = 0.1)
    : BatchNorm(channels, eps, momentum, affine: true, track_running_stats: true, device: null, dtype: null, nameof(HeldBatchNorm2d))
{
    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        double factor = momentum ?? 0.0;
        if (training && track_running_stats && num_batches_tracked is not null)
        {
            using (no_grad()) num_batches_tracked.add_(HeldScalar.One, HeldScalar.One);
            factor = momentum ?? 1.0 / num_batches_tracked.item<long>();
        }
        bool useRunning = !training || track_running_stats;
        return nn.functional.batch_norm(input, useRunning ? running_mean : null, useRunning ? running_var : null, weight, bias,
            training || running_mean is null && running_var is null, factor, eps);
    }

    protected override void ValidateInputDimensions(Tensor input)
    {
        if (input.ndim != 4) throw new ArgumentException($"expected 4D input, but got {input.ndim}D input.", nameof(input));
    }
}
