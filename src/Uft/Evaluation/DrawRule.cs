namespace Uft.Evaluation;

/// <summary>
/// How many draws (K-shot probe trials, K-means seeds) an evaluation makes: a fixed count, or (the default) as many as
/// bring the standard error of their mean to at most <see cref="TargetError"/>, between <see cref="Min"/> and
/// <see cref="Max"/>. How noisy one draw is depends on the target (one image a class of 10 classes moves a 1-shot probe
/// by 5 points, of 101 classes by 2), so a fixed count is too few on one set and wasted on another (docs/evaluation.md).
/// Draw i has the same seed however many are made, so evaluations that stop at different counts still pair draw by draw.
/// </summary>
public sealed record DrawRule
{
    /// <summary>Exactly this many draws; null: adaptive.</summary>
    public int? Count { get; init; }
    /// <summary>The standard error of the mean to reach, as a fraction (0.003 = 0.3 points).</summary>
    public double TargetError { get; init; } = 0.003;
    public int Min { get; init; } = 20;
    public int Max { get; init; } = 400;

    public static readonly DrawRule Adaptive = new();

    public static DrawRule Fixed(int count) => new() { Count = count };

    /// <summary>Whether to make another draw after <paramref name="values"/>.</summary>
    public bool More(IReadOnlyList<double> values) => Count is int n
        ? values.Count < n
        : values.Count < Min || values.Count < Max && !(Interval.StandardError(values) <= TargetError);

    public string Describe() => Count is int n ? $"{n}" : $"until the standard error of the mean is at most {100 * TargetError:0.0#} points ({Min} to {Max})";
}
