namespace Uft.Method;

/// <summary>How a query is mixed with its partner in the batch.</summary>
public enum MixKind
{
    /// <summary>Paste a box of the partner (Yun et al. 2019); λ is the kept area.</summary>
    CutMix,
    /// <summary>Blend the two images pixelwise (Zhang et al. 2018).</summary>
    MixUp,
}
