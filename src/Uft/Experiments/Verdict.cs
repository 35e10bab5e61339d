using Uft.Evaluation;

namespace Uft.Experiments;

/// <summary>Above, below or level: decided by a paired 95% interval, never by the size of a change alone.</summary>
public enum Direction { Below = -1, Level = 0, Above = 1 }

/// <summary>One headline measure's change against a baseline.</summary>
public sealed record MeasureChange(string Title, Change Change)
{
    public Direction Direction => (Direction)Change.Sign;

    /// <summary>"retrieval +1.3 (±0.6)", in points.</summary>
    public override string ToString() => $"{Title} {Change.Format()}";
}

/// <summary>An arm against a baseline at one evaluation size, on the headline measures.</summary>
public sealed record ArmVerdict(string Arm, string Against, int Size, IReadOnlyList<MeasureChange> Changes)
{
    public int Count(Direction d) => Changes.Count(c => c.Direction == d);
    public bool AboveOnAll => Count(Direction.Above) == Changes.Count;
    public bool BelowOnAll => Count(Direction.Below) == Changes.Count;

    /// <summary>"above on all", "below on all", or the counts ("above on 1, level on 2").</summary>
    public string Summary => AboveOnAll ? "above on all" : BelowOnAll ? "below on all"
        : string.Join(", ", new[] { Direction.Above, Direction.Below, Direction.Level }.Where(d => Count(d) > 0).Select(d => $"{d.ToString().ToLowerInvariant()} on {Count(d)}"));

    /// <summary>"at 224 px, uft against as shipped: retrieval +1.3 (±0.6), BCubed P -0.4 (±1.1), 1-shot +2.0 (±0.9): above on 2, level on 1".</summary>
    public string Text => $"at {Size} px, {Arm} against {Against}: {string.Join(", ", Changes)}: {Summary}";
}

/// <summary>
/// The sentence a comparison's tables imply, one per finetuned arm and evaluation size: above or below the backbone as
/// shipped (and UFT against naive) on the paper's three headline measures, top-5 retrieval, BCubed precision and the
/// smallest K-shot. Each change is the paired difference of the two evaluations' draws (the same test queries, K-means
/// seeds and K-shot images) with its 95% interval, and counts as above or below only where that interval excludes zero:
/// a change inside the evaluation's own noise is level, however large it looks.
/// </summary>
public static class Verdict
{
    /// <summary>The three measures, in <paramref name="eval"/>'s names: retrieval, BCubed precision, and the smallest
    /// K of the K-shot finetune when it ran, else of the linear probe.</summary>
    public static IReadOnlyList<(string Title, string Metric)> Headline(EvalReport eval)
    {
        var list = new List<(string, string)> { ("retrieval", EvalMetrics.Retrieval), ("BCubed P", EvalMetrics.ClusteringPrecision) };
        foreach (var prefix in new[] { "kshot_", "probe_" })
        {
            var shots = eval.Metrics.Keys.Select(m => ShotOf(m, prefix)).OfType<int>().ToList();
            if (shots.Count == 0) continue;
            int k = shots.Min();
            list.Add(($"{k}-shot", prefix == "kshot_" ? EvalMetrics.KShotMeanClass(k) : EvalMetrics.ProbeMeanClass(k)));
            break;
        }
        return list;
    }

    static int? ShotOf(string metric, string prefix) =>
        metric.StartsWith(prefix, StringComparison.Ordinal) && metric.EndsWith("_mean_class", StringComparison.Ordinal)
        && int.TryParse(metric[prefix.Length..^"_mean_class".Length], out int k) ? k : null;

    /// <summary><paramref name="arm"/> against <paramref name="baseline"/> (named <paramref name="against"/>) at
    /// <paramref name="size"/> px, or null when they share no headline measure. Evaluations whose draws do not pair
    /// (<see cref="EvalReport.PairingProblem"/>) get changes without an interval, which count as level.</summary>
    public static ArmVerdict? Compare(string arm, EvalReport eval, string against, EvalReport baseline, int size)
    {
        bool paired = eval.PairingProblem(baseline) is null;
        var changes = Headline(baseline)
            .Where(h => eval.Metrics.ContainsKey(h.Metric) && baseline.Metrics.ContainsKey(h.Metric))
            .Select(h =>
            {
                var change = eval.Metrics[h.Metric].Against(baseline.Metrics[h.Metric]);
                return new MeasureChange(h.Title, paired ? change : change with { Ci = null });
            }).ToList();
        return changes.Count == 0 ? null : new ArmVerdict(arm, against, size, changes);
    }

    /// <summary>Every finetuned arm against the backbone as shipped, then UFT against naive, at each size evaluated.</summary>
    public static IReadOnlyList<ArmVerdict> Judge(IReadOnlyList<ArmResult> results, int imageSize, int evalSize)
    {
        var verdicts = new List<ArmVerdict>();
        var sizes = new List<(int Size, Func<ArmResult, EvalReport?> Eval)> { (imageSize, r => r.Eval) };
        if (results.Any(r => r.AtEvalSize is not null)) sizes.Add((evalSize, r => r.AtEvalSize));
        foreach (var (size, eval) in sizes)
        {
            var none = results.FirstOrDefault(r => r.Arm == Arms.None) is { } n ? eval(n) : null;
            var naive = results.FirstOrDefault(r => r.Arm == "naive") is { } nv ? eval(nv) : null;
            foreach (var r in results.Where(r => r.Arm != Arms.None))
            {
                if (eval(r) is not { } e) continue;
                if (none is not null && Compare(r.Arm, e, "as shipped", none, size) is { } l) verdicts.Add(l);
                if (r.Arm == "uft" && naive is not null && Compare(r.Arm, e, "naive", naive, size) is { } m) verdicts.Add(m);
            }
        }
        return verdicts;
    }

    /// <summary>The closing line where some finetuned arm is below the backbone as shipped on all three at a size.</summary>
    public const string BelowOnAllAdvice = "where an arm is below the backbone as shipped on all three, its features are worse at that size than the backbone's: " +
        "keep the backbone as shipped for use at that size; what the budget study found of sizes, budgets and --freeze-stages is in docs/findings.md";

    /// <summary>The closing line where UFT is not above naive on all three.</summary>
    public const string NotAboveNaiveNote = "where UFT is not above naive finetuning on all three, see docs/findings.md for how many epochs " +
        "its replay and mixed queries needed to lead in the budget study";

    /// <summary><see cref="Judge"/> as text, then the closing lines that apply.</summary>
    public static IReadOnlyList<string> Lines(IReadOnlyList<ArmResult> results, int imageSize, int evalSize)
    {
        var verdicts = Judge(results, imageSize, evalSize);
        var lines = verdicts.Select(v => v.Text).ToList();
        if (verdicts.Any(v => v.Against == "as shipped" && v.BelowOnAll)) lines.Add(BelowOnAllAdvice);
        if (verdicts.Any(v => v.Against == "naive" && !v.AboveOnAll)) lines.Add(NotAboveNaiveNote);
        if (verdicts.Count > 0)
            lines.Add("each change is the paired difference in points with half its 95% interval; above or below only where the interval excludes zero");
        return lines;
    }
}
