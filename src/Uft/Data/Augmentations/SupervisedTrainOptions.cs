namespace Uft.Data.Augmentations;

/// <summary>torchvision's standard supervised training view (the ImageNet reference recipe) used for K-shot finetuning.</summary>
public sealed record SupervisedTrainOptions(double ScaleMin = 0.08, double ScaleMax = 1.0, double RatioMin = 3.0 / 4, double RatioMax = 4.0 / 3, double FlipP = 0.5)
{
    public void Validate()
    {
        Check.Range(ScaleMin, ScaleMax, 1e-6, 1, "scale");
        Check.Range(RatioMin, RatioMax, 1e-6, 1e6, "ratio");
        Check.Probability(FlipP, "flip-p");
    }
}
