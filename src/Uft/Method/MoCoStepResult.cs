using static TorchSharp.torch;

namespace Uft.Method;

/// <summary>What <see cref="MoCo.Step"/> returns: the loss to back-propagate and plain numbers for logs.</summary>
/// <param name="Loss">Scalar with a graph to the query encoder; the caller runs backward and disposes it.</param>
/// <param name="PlainLoss">The MoCo InfoNCE term, NaN when mixing trains without it (the plain queries are then not encoded).</param>
/// <param name="MixLoss">The mixed-query term, NaN without mixing.</param>
/// <param name="PositiveSimilarity">Mean cosine q·k₊ of the plain queries, NaN without them.</param>
/// <param name="Lambda">The batch's mixing λ, NaN without mixing.</param>
public sealed record MoCoStepResult(Tensor Loss, double PlainLoss, double MixLoss, double PositiveSimilarity, double Lambda) : IDisposable
{
    public void Dispose() => Loss.Dispose();
}
