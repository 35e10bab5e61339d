namespace Uft.Data.Augmentations;

/// <summary>
/// FixMatch's weak and strong views (Sohn et al. 2020). Both first bring the image to size x size
/// (shorter side resized to round(size / CropRatio), centre crop), then flip and translate by up to
/// TranslateFraction of the side (reflect padding); the strong view adds RandAugment (RandOps ops, each applied
/// with probability RandP, random magnitude) and Cutout of CutoutFraction of the side.
/// </summary>
public sealed record FixMatchOptions(
    double CropRatio = 1.0, double FlipP = 0.5, double TranslateFraction = 0.125,
    int RandOps = 2, double RandP = 1.0, double CutoutFraction = 0.5)
{
    public void Validate()
    {
        if (!(CropRatio > 0 && CropRatio <= 1)) throw UftException.Usage($"crop-ratio: {CropRatio} is not in (0, 1]; give 1 to keep the whole shorter side");
        Check.Probability(FlipP, "flip-p");
        Check.Range(TranslateFraction, TranslateFraction, 0, 0.5, "translate");
        if (RandOps is < 1 or > 14) throw UftException.Usage($"rand-ops: {RandOps} is not in 1..14; FixMatch uses 2");
        Check.Probability(RandP, "rand-p");
        Check.Range(CutoutFraction, CutoutFraction, 1e-6, 1, "cutout");
    }
}
