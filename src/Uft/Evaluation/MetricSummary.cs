namespace Uft.Evaluation;

/// <summary>A metric over trials: mean, standard deviation (population, as numpy.std) and the per-trial values.</summary>
public sealed record MetricSummary(double Mean, double Std, double[] Values)
{
    public static MetricSummary Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("a metric needs at least one value");
        double mean = values.Average();
        double std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Count);
        return new MetricSummary(mean, std, values.ToArray());
    }

    public static MetricSummary Single(double value) => new(value, 0, [value]);

    public override string ToString() => Values.Length > 1 ? $"{100 * Mean:F2} ± {100 * Std:F2}" : $"{100 * Mean:F2}";
}
