namespace Uft.Data.Augmentations;

/// <summary>Option checks shared by the augmentation option records; failures name the option and the fix.</summary>
static class Check
{
    public static void Probability(double p, string name)
    {
        if (!(p >= 0 && p <= 1)) throw UftException.Usage($"{name}: {p} is not a probability; give a value in [0, 1]");
    }

    public static void Range(double min, double max, double lowest, double highest, string name)
    {
        if (!(min >= lowest && min <= max && max <= highest))
            throw UftException.Usage($"{name}: [{min}, {max}] is not an interval inside [{lowest}, {highest}]; give min <= max within it");
    }

    public static void Size(int size)
    {
        if (size is < 8 or > 4096) throw UftException.Usage($"size: {size} px is outside 8..4096; give the network input side in pixels");
    }
}
