namespace Uft.Evaluation;

/// <summary>A 95% confidence interval, in the metric's own unit (accuracies as fractions).</summary>
public readonly record struct Interval(double Low, double High)
{
    public double HalfWidth => (High - Low) / 2;

    /// <summary>Whether the interval lies wholly above zero, wholly below it, or holds it.</summary>
    public int Sign => Low > 0 ? 1 : High < 0 ? -1 : 0;

    /// <summary>
    /// The Student-t interval of the mean of <paramref name="values"/>, independent draws of one measurement (K-shot
    /// trials, K-means seeds, test queries): mean ± t(0.975, n−1)·s/√n with s the sample standard deviation. Null for
    /// fewer than two values. With the few trials of a costly protocol the t quantile keeps the interval honest where a
    /// percentile bootstrap is too narrow; with hundreds of queries the two agree (docs/evaluation.md).
    /// </summary>
    public static Interval? OfMean(IReadOnlyList<double> values)
    {
        int n = values.Count;
        if (n < 2) return null;
        double mean = values.Average(), half = T975(n - 1) * StandardError(values);
        return new Interval(mean - half, mean + half);
    }

    /// <summary>The standard error of the mean, s/√n (sample standard deviation); NaN for fewer than two values.</summary>
    public static double StandardError(IReadOnlyList<double> values)
    {
        int n = values.Count;
        if (n < 2) return double.NaN;
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (n - 1) / n);
    }

    /// <summary>t(0.975, df), the two-sided 95% quantile of Student's t: tabulated to 30 degrees of freedom, then the
    /// Cornish-Fisher expansion around the normal quantile (within 0.001 of the exact value from 30 on).</summary>
    public static double T975(int df)
    {
        if (df < 1) throw new ArgumentOutOfRangeException(nameof(df), "at least one degree of freedom");
        if (df <= Table.Length) return Table[df - 1];
        const double z = 1.959963984540054;
        double z3 = z * z * z, z5 = z3 * z * z;
        return z + (z3 + z) / (4.0 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96.0 * df * df);
    }

    static readonly double[] Table =
    [
        12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
        2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
        2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
    ];
}
