using System.Text.Json.Serialization;

namespace Uft.Evaluation;

/// <summary>
/// A metric over its draws: mean, standard deviation (population, as numpy.std) and every draw's value, with what a draw
/// is (<see cref="Draws"/>): a test query for retrieval and kNN (the metric is the mean over queries), a trial for the
/// K-shot protocols (its own K labelled images), a seed for K-means. The values are kept so that any reader can recompute
/// the interval and pair two evaluations draw by draw (<see cref="Against"/>).
/// </summary>
public sealed record MetricSummary(double Mean, double Std, double[] Values)
{
    public const string Query = "query", Trial = "trial", Seed = "seed";

    /// <summary>What one of <see cref="Values"/> is: <see cref="Query"/>, <see cref="Trial"/> or <see cref="Seed"/>.</summary>
    public string Draws { get; init; } = Trial;

    /// <summary>The 95% interval of the mean over the draws (<see cref="Interval.OfMean"/>); null for one value.</summary>
    [JsonIgnore]
    public Interval? Ci => Interval.OfMean(Values);

    /// <summary><see cref="Ci"/> as [low, high] in eval.json, for readers without UFT.</summary>
    [JsonPropertyName("ci95")]
    public double[]? Ci95 => Ci is { } i ? [i.Low, i.High] : null;

    public static MetricSummary Of(IReadOnlyCollection<double> values, string draws = Trial)
    {
        if (values.Count == 0) throw new ArgumentException("a metric needs at least one value");
        double mean = values.Average();
        double std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Count);
        return new MetricSummary(mean, std, values.ToArray()) { Draws = draws };
    }

    /// <summary>A mean over test queries, each query's value given (retrieval: its share of hits; kNN: 1 when right).</summary>
    public static MetricSummary OverQueries(IReadOnlyCollection<double> perQuery) => Of(perQuery, Query);

    public static MetricSummary Single(double value) => new(value, 0, [value]);

    /// <summary>This metric minus <paramref name="baseline"/>'s. Paired draw by draw where both hold draws of one kind (the
    /// caller makes sure they come from evaluations with the same seed and data, <see cref="EvalReport.PairingProblem"/>):
    /// the mean of the differences over the draws both made (trials and seeds: the first n of each, which are the same
    /// draws however many each made; queries: all, which must match), with its interval. Otherwise the difference of the
    /// means without an interval.</summary>
    public Change Against(MetricSummary baseline)
    {
        int n = Math.Min(Values.Length, baseline.Values.Length);
        bool pairs = Draws == baseline.Draws && n >= 2 && (Draws != Query || Values.Length == baseline.Values.Length);
        if (!pairs) return new Change(Mean - baseline.Mean, null);
        var differences = Values.Take(n).Zip(baseline.Values.Take(n), (a, b) => a - b).ToArray();
        return new Change(differences.Average(), Interval.OfMean(differences));
    }

    /// <summary>"79.48 ± 0.72": the mean and half its 95% interval, in %; the mean alone for one value.</summary>
    public override string ToString() => Format(2);

    public string Format(int decimals) => Ci is { } i
        ? $"{(100 * Mean).ToString("F" + decimals)} ± {(100 * i.HalfWidth).ToString("F" + decimals)}"
        : (100 * Mean).ToString("F" + decimals);
}

/// <summary>One metric's change against a baseline (as fractions) with the 95% interval of the paired difference, null
/// where the two cannot be paired (single values, or different draws).</summary>
public readonly record struct Change(double Delta, Interval? Ci)
{
    /// <summary>+1 above, −1 below, 0 level: decided by the interval alone, so a change within the draws' noise is level.</summary>
    public int Sign => Ci?.Sign ?? 0;

    /// <summary>"+1.3 (±0.6)" in points.</summary>
    public string Format(int decimals = 1)
    {
        string delta = (100 * Delta).ToString("+0." + new string('0', decimals) + ";-0." + new string('0', decimals) + ";0." + new string('0', decimals));
        return Ci is { } i ? $"{delta} (±{(100 * i.HalfWidth).ToString("F" + decimals)})" : $"{delta} (unpaired)";
    }
}
