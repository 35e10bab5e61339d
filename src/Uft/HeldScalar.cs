using TorchSharp;

namespace Uft;

/// <summary>
/// A TorchSharp <see cref="Scalar"/> kept referenced while native code reads it. TorchSharp 0.107 turns every number
/// passed to an op (<c>add_(t)</c>'s implicit alpha 1, <c>mul_(0.9)</c>, <c>x * 2</c>, <c>optim.SGD.step</c>'s rates,
/// <c>nn.BatchNorm2d</c>'s counter) into a finalizable Scalar that nothing references once its handle is read; a garbage
/// collection during the native call can free it under the op, which then fails ("argument alpha must not be a floating
/// point number", "Expected false to be true" from Scalar::toFloat: seen in a bench run and in a demo, reproduced by
/// <c>GcStressTests</c>, docs/reliability.md) or reads a wrong value. UFT passes every number to libtorch as a Scalar it
/// holds: a <see cref="HeldScalar"/> field or local (disposed after the last op), one of the process-wide constants
/// below, or <c>using var s = v.ToScalar();</c>. The test <c>HiddenScalarTests</c> reads UFT's compiled code and fails
/// on any call that makes such a temporary, including TorchSharp methods that make one inside.
/// </summary>
public sealed class HeldScalar : IDisposable
{
    /// <summary>The integer 1 (alpha of a plain add, the batch counter's increment), alive for the whole process.</summary>
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>Other integer constants of the per-batch paths (distances, clamps), alive for the whole process.</summary>
    public static readonly Scalar Zero = 0.ToScalar(), Two = 2.ToScalar(), MinusTwo = (-2).ToScalar();

    double value = double.NaN;
    Scalar? scalar;

    /// <summary>The held Scalar for <paramref name="v"/>, made anew only when the value changes.</summary>
    public Scalar Of(double v)
    {
        if (scalar is null || v != value)
        {
            scalar?.Dispose();
            scalar = v.ToScalar();
            value = v;
        }
        return scalar;
    }

    /// <summary>Frees the native Scalar now; a later <see cref="Of"/> makes a new one.</summary>
    public void Dispose()
    {
        scalar?.Dispose();
        scalar = null;
    }
}
