namespace Uft.Method;

/// <summary>
/// The mixed-query term of unsupervised finetuning (Li et al. 2021): each query image is mixed with a random
/// partner of its batch and scored against both keys by <see cref="MixedQueryLoss"/>.
/// </summary>
/// <param name="Kind">CutMix (the paper's choice) or MixUp.</param>
/// <param name="Alpha">λ ~ Beta(α, α); α = 1 is uniform.</param>
/// <param name="KeepPlainLoss">Add the term to the plain MoCo loss (true, the paper) or train on the mixed term alone.</param>
public sealed record MixingOptions(MixKind Kind = MixKind.CutMix, double Alpha = 1.0, bool KeepPlainLoss = true)
{
    /// <summary>Throws a usage error naming the option when a value is out of range.</summary>
    public MixingOptions Validated()
    {
        if (!(Alpha > 0) || double.IsInfinity(Alpha)) throw UftException.Usage($"--mix-alpha: {Alpha} must be a positive number (1 draws λ uniformly)");
        if (!Enum.IsDefined(Kind)) throw UftException.Usage($"--mix: {Kind} is not cutmix or mixup");
        return this;
    }
}
