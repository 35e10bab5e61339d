using System.Globalization;

namespace Uft.Cli.Commands;

/// <summary>--crop-scale MIN,MAX: the RandomResizedCrop's area fractions.</summary>
static class CropScaleOption
{
    public const string Help = "Area fraction of the random crops, MIN,MAX (default 0.2,1, MoCo v2's); a lower range, e.g. 0.1,0.4, " +
        "shows objects at a small --image-size as large as whole images of a larger size do.";

    public static double[]? Parse(string? text)
    {
        if (text is null) return null;
        var parts = text.Split(',');
        var values = parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN).ToArray();
        if (values.Length != 2 || values.Any(double.IsNaN))
            throw UftException.Usage($"--crop-scale {text}: give two area fractions MIN,MAX, e.g. 0.1,0.4 (MoCo v2: 0.2,1)");
        return values;
    }
}
