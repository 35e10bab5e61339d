namespace Uft.Method;

/// <summary>MoCo v2's hyper-parameters, defaults as in facebookresearch/moco (<c>--mlp --moco-t 0.2</c>).</summary>
/// <param name="Dim">Output dimension of the projection head (and of the queued keys).</param>
/// <param name="QueueSize">K, the number of queued negative keys; see <see cref="MoCo.QueueSize"/> for small data.</param>
/// <param name="Momentum">m of the key encoder's moving average.</param>
/// <param name="Temperature">T of the InfoNCE softmax.</param>
/// <param name="ShuffleKeys">Permute the key batch before the key encoder and restore after: with <see cref="Models.SplitBatchNorm"/>
/// this puts each key in another BN sub-batch than its query, the one-device form of shuffle-BN.</param>
/// <param name="MaskSameImage">Leave a query's own image out of its negatives when <see cref="MoCo.Step"/> is given image
/// ids (<see cref="SameImageNegatives"/>): MoCo's loss as defined, which a queue near the data size otherwise breaks.</param>
public sealed record MoCoOptions(int Dim = 128, int QueueSize = 65536, double Momentum = 0.999, double Temperature = 0.2, bool ShuffleKeys = true,
    bool MaskSameImage = true)
{
    /// <summary>Throws a usage error naming the option when a value is out of range.</summary>
    public MoCoOptions Validated()
    {
        if (Dim < 1) throw UftException.Usage($"--dim: {Dim} must be at least 1");
        if (QueueSize < 1) throw UftException.Usage($"--queue-size: {QueueSize} must be at least 1");
        if (!(Momentum >= 0 && Momentum < 1)) throw UftException.Usage($"--key-momentum: {Momentum} must be in [0, 1), e.g. 0.999");
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) throw UftException.Usage($"--temperature: {Temperature} must be a positive number, e.g. 0.2");
        return this;
    }
}
