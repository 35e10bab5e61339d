using System.Text;
using Uft.Evaluation;
using static Uft.Reporting.HtmlReport;

namespace Uft.Reporting;

/// <summary>
/// The report's per-class table: each run against the baseline run (the backbone as shipped, in a comparison), the
/// classes whose per-class score rose most and fell most. The score is retrieval precision (top-k, per test image
/// of the class) where eval.json has it, else kNN recall; a mean over a class's test images, so a small class moves
/// in coarse steps.
/// </summary>
static class ClassChanges
{
    /// <summary>Classes shown at each end; a set of up to twice this many is shown whole.</summary>
    public const int Shown = 5;

    static readonly string[] Scores = [EvalMetrics.Retrieval, EvalMetrics.Knn];

    public static void Append(StringBuilder html, IReadOnlyList<ReportRun> runs, string[] names, int baseline)
    {
        if (runs.Count < 2 || runs[baseline].Eval is null) return;
        var tables = new List<string>();
        for (int r = 0; r < runs.Count; r++)
        {
            // Against the baseline evaluated alike: in a comparison evaluated at two sizes, "none" at the same size.
            int b = SameSettings(runs, r, baseline) ? baseline
                : Enumerable.Range(0, runs.Count).FirstOrDefault(j => runs[j].Name == runs[baseline].Name && SameSettings(runs, r, j), -1);
            if (b < 0 || b == r || runs[r].Eval is not { } eval || runs[b].Eval is not { } baseEval) continue;
            if (eval.Classes.SequenceEqual(baseEval.Classes)
                && Scores.FirstOrDefault(m => eval.PerClass.ContainsKey(m) && baseEval.PerClass.ContainsKey(m)) is { } metric)
                tables.Add(Table(names[r], r, names[b], baseEval, eval, metric));
        }
        tables.RemoveAll(t => t.Length == 0);
        if (tables.Count == 0) return;
        html.Append($"<h2 id=\"per-class\">Per class: gains and losses against “{E(runs[baseline].Name)}” evaluated alike</h2><p class=\"note\">Per-class scores on the test images in percent, " +
            $"the classes that gained most first and those that lost most last; Δ in points. Retrieval: the share of each test image's top-5 train images " +
            $"of its class, averaged over the class; kNN: the share of the class's test images the kNN classifier gets right.</p><div class=\"grid\">");
        foreach (var t in tables) html.Append(t);
        html.Append("</div>");
    }

    static bool SameSettings(IReadOnlyList<ReportRun> runs, int a, int b) => runs[a].Eval?.Protocol == runs[b].Eval?.Protocol;

    static string Table(string name, int run, string baselineName, EvalReport before, EvalReport after, string metric)
    {
        var ranked = Ranked(before.PerClass[metric], after.PerClass[metric]);
        if (ranked.Length == 0) return "";
        bool knn = metric != EvalMetrics.Knn && before.PerClass.ContainsKey(EvalMetrics.Knn) && after.PerClass.ContainsKey(EvalMetrics.Knn);
        int gained = ranked.Count(c => c.Delta > 0), lost = ranked.Count(c => c.Delta < 0);
        var html = new StringBuilder($"<div><h3><span class=\"swatch\" style=\"background:{SwatchColor(run)}\"></span>{E(name)}</h3>");
        html.Append($"<p class=\"note\">{gained} of {ranked.Length} classes gained, {lost} lost; mean Δ {Signed(ranked.Average(c => c.Delta))}.</p>");
        html.Append($"<table><thead><tr><th>Class</th><th class=\"num\">{E(baselineName)}</th><th class=\"num\">{E(name)}</th><th class=\"num\">Δ {(metric == EvalMetrics.Knn ? "kNN" : "retrieval")}</th>");
        if (knn) html.Append("<th class=\"num\">Δ kNN</th>");
        html.Append("</tr></thead><tbody>");
        for (int i = 0; i < ranked.Length; i++)
        {
            if (ranked.Length > 2 * Shown && i == Shown)
            {
                // The middle of a long list says little; jump to the classes that lost most.
                html.Append($"<tr><td colspan=\"{(knn ? 5 : 4)}\" class=\"note\">… {ranked.Length - 2 * Shown} classes in between</td></tr>");
                i = ranked.Length - Shown;
            }
            var row = ranked[i];
            html.Append($"<tr><td>{E(after.Classes[row.Class])}</td><td class=\"num\">{100 * row.Before:0.0}</td><td class=\"num\">{100 * row.After:0.0}</td>{DeltaCell(row.Delta)}");
            if (knn) html.Append(DeltaCell(after.PerClass[EvalMetrics.Knn][row.Class] - before.PerClass[EvalMetrics.Knn][row.Class]));
            html.Append("</tr>");
        }
        return html.Append("</tbody></table></div>").ToString();
    }

    /// <summary>Classes with a score on both sides, by change (after − before), largest gain first; ties in class order.</summary>
    public static (int Class, double Before, double After, double Delta)[] Ranked(double[] before, double[] after) =>
        Enumerable.Range(0, Math.Min(before.Length, after.Length))
            .Where(c => double.IsFinite(before[c]) && double.IsFinite(after[c]))
            .Select(c => (Class: c, Before: before[c], After: after[c], Delta: after[c] - before[c]))
            .OrderByDescending(c => c.Delta).ThenBy(c => c.Class).ToArray();

    static string DeltaCell(double delta) =>
        $"<td class=\"num {(delta > 0 ? "up" : delta < 0 ? "down" : "")}\">{Signed(delta)}</td>";

    static string Signed(double delta) => $"{100 * delta:+0.0;−0.0;0.0}";
}
