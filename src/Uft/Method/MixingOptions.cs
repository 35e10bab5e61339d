namespace Uft.Method;

/// <summary>
/// The mixed-query term of unsupervised finetuning (Li et al. 2021): each query image is mixed with a random
/// partner of its batch and scored against both keys by <see cref="MixedQueryLoss"/>.
/// </summary>
/// <param name="Kind">CutMix (the paper's choice) or MixUp.</param>
/// <param name="Alpha">λ ~ Beta(α, α); α = 1 is uniform.</param>
/// <param name="PlainWeight">The plain MoCo term's weight w in w·plain + mixed: 1 is the paper's sum, 0 trains on the
/// mixed term alone (and the plain queries are not encoded).</param>
public sealed record MixingOptions(MixKind Kind = MixKind.CutMix, double Alpha = 1.0, double PlainWeight = 1.0)
{
    /// <summary>True when the plain term weighs nothing, so the step skips the plain queries' forward pass.</summary>
    public bool MixedTermAlone => PlainWeight == 0;

    /// <summary>Throws a usage error naming the option when a value is out of range.</summary>
    public MixingOptions Validated()
    {
        if (!(Alpha > 0) || double.IsInfinity(Alpha)) throw UftException.Usage($"--mix-alpha: {Alpha} must be a positive number (1 draws λ uniformly)");
        if (!Enum.IsDefined(Kind)) throw UftException.Usage($"--mixing: {Kind} is not cutmix or mixup");
        if (!(PlainWeight >= 0) || double.IsInfinity(PlainWeight))
            throw UftException.Usage($"--plain-weight: {PlainWeight} must be 0 or more (1 = the paper's sum, 0 = the mixed term alone)");
        return this;
    }
}
