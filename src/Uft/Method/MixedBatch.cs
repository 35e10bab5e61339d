using static TorchSharp.torch;

namespace Uft.Method;

/// <summary>Mixed query images (N, C, H, W): image i holds λ of image i and 1−λ of image <c>Partner[i]</c>.</summary>
public sealed record MixedBatch(Tensor Images, long[] Partner, double Lambda) : IDisposable
{
    public void Dispose() => Images.Dispose();
}
