using TorchSharp;
using static TorchSharp.torch;

namespace Uft.Method;

/// <summary>
/// Drops the negatives that are another view of the query's own image. MoCo assumes every queued key belongs to another
/// image, which holds when the queue (65536) is far smaller than the data set (1.28M); on a small target set the queue is
/// capped at the data set and spans the end of one epoch and the start of the next, so about half the queries from the
/// second epoch on meet an older key of their own image among the negatives (docs/training.md). Those logits are set to
/// −∞ before the softmax, which is the InfoNCE loss with those columns removed.
/// </summary>
public static class SameImageNegatives
{
    // Held for the process: a finalizable temporary Scalar could be freed under the native call (see HeldScalar).
    static readonly Scalar Excluded = float.NegativeInfinity.ToScalar();

    /// <summary>(N, K) bool: true where queue slot j holds a key of query i's image. <paramref name="queryIds"/> (N) and
    /// <paramref name="queueIds"/> (K) are int64 image ids; the queue's −1 (a random initial row) matches no image,
    /// since query ids are non-negative.</summary>
    public static Tensor Mask(Tensor queryIds, Tensor queueIds)
    {
        using var scope = NewDisposeScope();
        return queryIds.unsqueeze(1).eq(queueIds.unsqueeze(0)).MoveToOuterDisposeScope();
    }

    /// <summary>The mask of mixed queries: a slot is excluded when it holds either of the two images that were mixed.</summary>
    public static Tensor Mask(Tensor queryIds, Tensor partnerIds, Tensor queueIds)
    {
        using var scope = NewDisposeScope();
        return Mask(queryIds, queueIds).logical_or(Mask(partnerIds, queueIds)).MoveToOuterDisposeScope();
    }

    /// <summary>InfoNCE <paramref name="logits"/> (N, 1+K), positive first, with the negatives that
    /// <paramref name="exclude"/> (N, K) marks set to −∞; the logits themselves when <paramref name="exclude"/> is null.</summary>
    public static Tensor Apply(Tensor logits, Tensor? exclude)
    {
        if (exclude is null) return logits;
        using var scope = NewDisposeScope();
        var keepPositive = zeros([exclude.shape[0], 1], dtype: ScalarType.Bool, device: exclude.device);
        return logits.masked_fill(cat([keepPositive, exclude], 1), Excluded).MoveToOuterDisposeScope();
    }
}
