using System.Net;
using System.Text;
using Uft.Evaluation;

namespace Uft.Reporting;

/// <summary>
/// One self-contained report.html comparing runs side by side: a metric table, before/after bars per group of
/// metrics, a retrieval gallery, the classes each run gained and lost against the baseline, training curves, t-SNE
/// maps, timings, and the exact commands and configs. Charts are PNGs and thumbnails JPEGs inlined as base64,
/// styles inline: the file can be mailed or archived alone.
/// </summary>
public static class HtmlReport
{
    static readonly (string Title, Func<string, bool> Member)[] BarGroups =
    [
        ("Frozen features: retrieval, clustering, kNN, linear probe", m => !m.StartsWith("kshot_") && !m.StartsWith("semi_") && !m.StartsWith("source_") && !m.StartsWith("probe_")),
        ("K-shot linear probe, frozen (mean-class)", m => m.StartsWith("probe_") && m.EndsWith("_mean_class")),
        ("K-shot finetune (mean-class)", m => m.StartsWith("kshot_") && m.EndsWith("_mean_class")),
        ("Semi-supervised FixMatch (mean-class)", m => m.StartsWith("semi_") && m.EndsWith("_mean_class")),
        ("Source domain (forgetting)", m => m.StartsWith("source_")),
    ];

    static readonly (string Title, string Axis, Func<TrainingPoint, double?> Value, bool Log)[] CurveKinds =
    [
        ("Training loss", "loss", p => p.Loss, false),
        ("Learning rate", "lr", p => p.Lr, false),
        ("kNN accuracy (monitor)", "%", p => p.Knn * 100, false),
        ("Alignment (lower is better)", "align", p => p.Align, false),
        ("Uniformity (lower is better)", "uniform", p => p.Uniform, false),
    ];

    /// <param name="baseline">The run the per-class table compares the others with (in a comparison, the backbone as shipped).</param>
    public static void Write(string path, IReadOnlyList<ReportRun> runs, string? title = null, int baseline = 0)
    {
        if (runs.Count == 0) throw UftException.Usage("report: give at least one run or evaluation folder");
        if (baseline < 0 || baseline >= runs.Count) throw new ArgumentOutOfRangeException(nameof(baseline), $"{baseline} is not one of the {runs.Count} runs");
        var names = UniqueNames(runs);
        var body = new StringBuilder();
        var thumbs = new ThumbnailSheet();
        RunsTable(body, runs, names);
        var groups = SettingsGroups(runs);
        if (groups.Count > 1)
        {
            // Evaluations made at another size, crop or probe are not comparable: say so, and never set them side by side.
            body.Append("<div class=\"warn\"><b>These evaluations were made with different settings</b>; each setting has its own table below, " +
                "and numbers from different tables do not compare:<ul>");
            foreach (var (protocol, members) in groups)
                body.Append($"<li>{E(string.Join(", ", members.Select(i => names[i])))}: {E(protocol)}</li>");
            body.Append("</ul></div>");
        }
        foreach (var (protocol, members) in groups)
            MetricsSection(body, members.Select(i => runs[i]).ToList(), members.Select(i => names[i]).ToArray(), groups.Count > 1 ? protocol : null);
        RetrievalGallery.Append(body, runs, names, thumbs);
        ClassChanges.Append(body, runs, names, baseline);
        CurvesSection(body, runs, names);
        MapsSection(body, runs, names);
        ProvenanceSection(body, runs, names);
        // The thumbnails' rules go in the head, written last because the gallery decides which images it needs.
        var html = new StringBuilder();
        html.Append($"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{E(title ?? "UFT report")}</title>
            <style>{Css}{thumbs.Css()}</style></head><body><main>
            <h1>{E(title ?? "UFT report")}</h1>
            <p class="sub">{runs.Count} run{(runs.Count == 1 ? "" : "s")} compared · generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by uft {E(typeof(HtmlReport).Assembly.GetName().Version?.ToString(3) ?? "")}</p>
            """);
        html.Append(body).Append("</main></body></html>\n");
        AtomicFile.WriteAllText(path, html.ToString());
    }

    static void RunsTable(StringBuilder html, IReadOnlyList<ReportRun> runs, string[] names)
    {
        html.Append("<h2>Runs</h2><table><thead><tr><th></th><th>Run</th><th>Backbone</th><th>Evaluated</th><th>Training points</th><th>Folder</th></tr></thead><tbody>");
        for (int r = 0; r < runs.Count; r++)
        {
            var run = runs[r];
            html.Append($"<tr><td><span class=\"swatch\" style=\"background:{SwatchColor(r)}\"></span></td><td><b>{E(names[r])}</b></td><td>{E(run.Eval?.Backbone ?? "–")}</td>" +
                $"<td>{(run.Eval is null ? "–" : run.Eval.Created.ToString("yyyy-MM-dd HH:mm"))}</td><td class=\"num\">{(run.Curve.Count == 0 ? "–" : run.Curve.Count.ToString())}</td><td class=\"path\">{E(run.Folder)}</td></tr>");
        }
        html.Append("</tbody></table>");
    }

    /// <summary>The runs that have an evaluation, grouped by <see cref="EvalReport.Protocol"/> (size, crop ratio, probe) in order of first appearance.</summary>
    public static IReadOnlyList<(string Protocol, int[] Runs)> SettingsGroups(IReadOnlyList<ReportRun> runs) =>
        Enumerable.Range(0, runs.Count).Where(i => runs[i].Eval is not null).GroupBy(i => runs[i].Eval!.Protocol).Select(g => (g.Key, g.ToArray())).ToList();

    /// <summary>One line for the console naming the evaluations whose draws do not pair with the first of their table
    /// (another evaluation seed or data): their changes are shown without an interval. Null when all pair.</summary>
    public static string? PairingNotice(IReadOnlyList<ReportRun> runs)
    {
        var names = UniqueNames(runs);
        var unpaired = SettingsGroups(runs).SelectMany(g => g.Runs.Skip(1)
            .Select(i => (i, first: g.Runs[0], problem: runs[i].Eval!.PairingProblem(runs[g.Runs[0]].Eval!)))
            .Where(p => p.problem is not null)).ToList();
        return unpaired.Count == 0 ? null : "not paired, so their changes have no interval: " +
            string.Join("; ", unpaired.Select(p => $"{names[p.i]} with {names[p.first]} ({p.problem})"));
    }

    /// <summary>One line for the console when the evaluations were made with different settings; null when they compare.</summary>
    public static string? SettingsNotice(IReadOnlyList<ReportRun> runs)
    {
        var groups = SettingsGroups(runs);
        var names = UniqueNames(runs);
        return groups.Count < 2 ? null : "evaluations made with different settings, reported in separate tables: " +
            string.Join(" | ", groups.Select(g => $"{string.Join(", ", g.Runs.Select(i => names[i]))}: {g.Protocol}"));
    }

    static void MetricsSection(StringBuilder html, IReadOnlyList<ReportRun> runs, string[] names, string? protocol)
    {
        var metrics = runs.Where(r => r.Eval is not null).SelectMany(r => r.Eval!.Metrics.Keys).Distinct().OrderBy(EvalMetrics.Order).ToList();
        if (metrics.Count == 0) return;
        var first = runs[0].Eval!;
        html.Append(protocol is null ? "<h2>Evaluation</h2>" : $"<h2>Evaluation: {E(protocol)}</h2>");
        html.Append("<p class=\"note\">Accuracies in percent: mean ± half its 95% interval over the evaluation's draws (test queries for " +
            "retrieval, kNN and the linear probe's top-1; K-means seeds; K-shot trials).");
        var unpaired = Enumerable.Range(1, runs.Count - 1).Select(i => (i, Problem: runs[i].Eval!.PairingProblem(first))).Where(p => p.Problem is not null).ToList();
        if (runs.Count > 1)
            html.Append($" Under each run after the first, its change against {E(names[0])} in points: the paired difference over the same draws " +
                "± half its 95% interval, coloured only where that interval excludes zero.");
        foreach (var (i, problem) in unpaired)
            html.Append($" {E(names[i])} is not paired with {E(names[0])} ({E(problem!)}): its change has no interval.");
        html.Append("</p><table><thead><tr><th>Metric</th>");
        foreach (var n in names) html.Append($"<th class=\"num\">{E(n)}</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var m in metrics)
        {
            var values = runs.Select(r => r.Eval?.Metrics.GetValueOrDefault(m)).ToArray();
            html.Append($"<tr><td>{E(EvalMetrics.Describe(m, first.Settings))}</td>");
            for (int i = 0; i < values.Length; i++)
            {
                if (values[i] is not { } v) { html.Append("<td class=\"num\">–</td>"); continue; }
                html.Append($"<td class=\"num\">{E(v.ToString())}");
                if (i > 0 && values[0] is { } b)
                {
                    var change = runs[i].Eval!.PairingProblem(first) is null ? v.Against(b) : v.Against(b) with { Ci = null };
                    string cls = change.Sign > 0 ? "up" : change.Sign < 0 ? "down" : "muted";
                    html.Append($"<br><span class=\"delta {cls}\">{E(change.Format(2))}</span>");
                }
                html.Append("</td>");
            }
            html.Append("</tr>");
        }
        html.Append("</tbody></table>");

        foreach (var (groupTitle, member) in BarGroups)
        {
            var group = metrics.Where(member).ToList();
            if (group.Count == 0) continue;
            var values = group.Select(m => runs.Select(r => r.Eval?.Metrics.GetValueOrDefault(m)?.Mean).ToArray()).ToArray();
            var errors = group.Select(m => runs.Select(r => r.Eval?.Metrics.GetValueOrDefault(m)?.Ci?.HalfWidth).ToArray()).ToArray();
            var png = Charts.GroupedBars(groupTitle, group.Select(ShortLabel).ToList(), names, values, errors, width: Math.Clamp(200 + 130 * group.Count * Math.Max(1, runs.Count / 2), 600, 1200));
            html.Append(Img(png, groupTitle, "chart"));
        }
    }

    static void CurvesSection(StringBuilder html, IReadOnlyList<ReportRun> runs, string[] names)
    {
        if (runs.All(r => r.Curve.Count == 0)) return;
        html.Append("<h2>Training curves</h2><div class=\"grid\">");
        foreach (var (curveTitle, axis, value, log) in CurveKinds)
        {
            var series = new List<(string, double[], double[])>();
            for (int r = 0; r < runs.Count; r++)
            {
                var points = runs[r].Curve.Where(p => value(p) is double v && double.IsFinite(v)).ToList();
                // Epoch on x when a run logs once an epoch; otherwise step.
                bool byEpoch = points.Select(p => p.Epoch).Distinct().Count() == points.Count;
                series.Add((names[r], points.Select(p => byEpoch ? (double)p.Epoch : p.Step).ToArray(), points.Select(p => value(p)!.Value).ToArray()));
            }
            if (series.All(s => s.Item2.Length == 0)) continue;
            bool allByEpoch = runs.All(r => r.Curve.Select(p => p.Epoch).Distinct().Count() == r.Curve.Count);
            html.Append(Img(Charts.Curves(curveTitle, allByEpoch ? "epoch" : "step", axis, series, log), curveTitle, "curve"));
        }
        bool byTime = KnnByTime(html, runs, names);
        html.Append("</div>");
        if (byTime)
            html.Append("<p class=\"note\">kNN against minutes: each point is a measurement part-way through its run, not a run " +
                "given that many minutes, whose learning rate would have decayed by then.</p>");
    }

    /// <summary>The kNN monitor against training minutes, when runs of different speeds measured it: at a budget the
    /// question is which is ahead after as many minutes (a UFT epoch costs about two of naive finetuning's). Drawn for
    /// two runs or more that log each epoch's seconds; true when drawn.</summary>
    static bool KnnByTime(StringBuilder html, IReadOnlyList<ReportRun> runs, string[] names)
    {
        var series = new List<(string, double[], double[])>();
        for (int r = 0; r < runs.Count; r++)
        {
            // A run without a time axis stays in as an empty series, so each run keeps its colour from the other charts.
            var curve = runs[r].Curve;
            var minutes = TrainingPoint.MinutesTrained(curve);
            var measured = minutes is null ? [] : Enumerable.Range(0, curve.Count).Where(i => curve[i].Knn is double v && double.IsFinite(v)).ToList();
            series.Add((names[r], measured.Select(i => minutes![i]).ToArray(), measured.Select(i => 100 * curve[i].Knn!.Value).ToArray()));
        }
        if (series.Count(s => s.Item2.Length > 0) < 2) return false;
        const string title = "kNN accuracy against training minutes";
        html.Append(Img(Charts.Curves(title, "minutes of training steps", "%", series), title, "curve"));
        return true;
    }

    static void MapsSection(StringBuilder html, IReadOnlyList<ReportRun> runs, string[] names)
    {
        if (runs.All(r => r.Maps.Count == 0)) return;
        html.Append("<h2>t-SNE of features</h2><div class=\"grid\">");
        for (int r = 0; r < runs.Count; r++)
            foreach (var map in runs[r].Maps)
                html.Append($"<figure>{Img(Charts.Map(map), map.Title, "picture")}<figcaption><b>{E(names[r])}</b> · {E(map.Title)}</figcaption></figure>");
        html.Append("</div>");
    }

    static void ProvenanceSection(StringBuilder html, IReadOnlyList<ReportRun> runs, string[] names)
    {
        html.Append("<h2>Commands, configs and timings</h2>");
        for (int r = 0; r < runs.Count; r++)
        {
            var run = runs[r];
            html.Append($"<details open><summary><span class=\"swatch\" style=\"background:{SwatchColor(r)}\"></span>{E(names[r])}</summary>");
            if (run.Command is not null) html.Append($"<h4>Command</h4><pre>{E(run.Command)}</pre>");
            if (run.Eval is { Seconds.Count: > 0 } eval)
                html.Append("<h4>Wall time per protocol</h4><p class=\"times\">" +
                    string.Join(" · ", eval.Seconds.Select(kv => $"{E(kv.Key.Replace('_', ' '))} <b>{kv.Value:0.##} s</b>")) + "</p>");
            if (run.Eval is { Settings.Count: > 0 })
                html.Append("<h4>Evaluation settings</h4><pre>" + E(string.Join("\n", run.Eval.Settings.Select(kv => $"{kv.Key}: {kv.Value}"))) + "</pre>");
            foreach (var (file, text) in run.Configs) html.Append($"<h4>{E(file)}</h4><pre>{E(text)}</pre>");
            html.Append("</details>");
        }
    }

    /// <summary>Run names, made distinct where two runs share one: by the size they were evaluated at when that differs
    /// ("none · 224 px" beside "none"), else by their parent folder.</summary>
    static string[] UniqueNames(IReadOnlyList<ReportRun> runs)
    {
        var names = runs.Select(r => r.Name).ToArray();
        string? Size(int i) => runs[i].Eval?.Settings.GetValueOrDefault(EvalReport.ImageSizeSetting);
        for (int i = 0; i < names.Length; i++)
        {
            var twins = Enumerable.Range(0, runs.Count).Where(j => runs[j].Name == runs[i].Name).ToList();
            if (twins.Count < 2) continue;
            bool bySize = twins.Select(Size).Distinct().Count() == twins.Count && Size(i) is not null;
            names[i] = bySize ? (twins[0] == i ? runs[i].Name : $"{runs[i].Name} · {Size(i)} px")
                : Path.GetFileName(Path.GetDirectoryName(runs[i].Folder) ?? "") + "/" + runs[i].Name;
        }
        return names;
    }

    static string ShortLabel(string metric) => metric switch
    {
        EvalMetrics.Retrieval => "Retrieval",
        EvalMetrics.ClusteringPrecision => "Clustering",
        EvalMetrics.ClusteringRecall => "BCubed R",
        EvalMetrics.ClusteringF1 => "BCubed F1",
        EvalMetrics.ClusteringNmi => "NMI",
        EvalMetrics.Knn => "kNN",
        EvalMetrics.LinearProbeTop1 => "Linear top-1",
        EvalMetrics.LinearProbeMeanClass => "Linear mc",
        EvalMetrics.SourceClusteringPrecision => "Clustering",
        EvalMetrics.SourceClusteringNmi => "NMI",
        _ when metric.Split('_') is [var kind, var k, ..] => kind == "semi" ? $"Semi-{k}" : $"{k}-shot",
        _ => metric,
    };

    internal static string Img(byte[] png, string alt, string cls) =>
        $"<img class=\"{cls}\" alt=\"{E(alt)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\">";

    internal static string E(string s) => WebUtility.HtmlEncode(s);

    internal static string SwatchColor(int i) => Charts.SeriesColor(i).ToHex();

    const string Css = """
        :root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg-alt: #f6f8fa; --up: #1a7f37; --down: #cf222e; }
        * { box-sizing: border-box; }
        body { margin: 0; color: var(--fg); background: #fff; font: 15px/1.5 -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; }
        main { max-width: 1240px; margin: 0 auto; padding: 28px 32px 64px; }
        h1 { font-size: 28px; margin: 0 0 4px; }
        h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
        h4 { font-size: 13px; margin: 14px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
        .sub, .note { color: var(--muted); margin: 0 0 12px; }
        table { border-collapse: collapse; width: 100%; margin: 8px 0 20px; font-size: 14px; }
        th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        thead th { background: var(--bg-alt); font-weight: 600; }
        tbody tr:hover { background: #fafbfc; }
        .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .up { color: var(--up); } .down { color: var(--down); } .muted { color: var(--muted); }
        .delta { font-size: 12px; }
        .path { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; color: var(--muted); word-break: break-all; }
        .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin-right: 8px; vertical-align: -1px; }
        img { max-width: 100%; height: auto; display: block; }
        img.chart { margin: 8px 0 16px; border: 1px solid var(--line); border-radius: 6px; }
        .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); gap: 16px; }
        .grid img { border: 1px solid var(--line); border-radius: 6px; }
        figure { margin: 0; } figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
        details { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; margin: 10px 0; }
        summary { cursor: pointer; font-weight: 600; }
        pre { background: var(--bg-alt); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow-x: auto;
              font: 12.5px/1.45 ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre-wrap; word-break: break-word; max-height: 420px; }
        .times { font-size: 14px; }
        h3 { font-size: 16px; margin: 8px 0 4px; }
        .wide { overflow-x: auto; }
        table.gallery td, table.gallery th { padding: 5px 6px; vertical-align: middle; }
        table.gallery tbody tr:hover { background: none; }
        .hits { display: flex; gap: 3px; align-items: flex-start; }
        .gallery figure { text-align: center; }
        .gallery figcaption { font-size: 10.5px; line-height: 1.2; margin: 2px 0 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
        .th { border-radius: 4px; background: var(--bg-alt) center / cover no-repeat; box-sizing: border-box; }
        .query .th { outline: 2px solid var(--fg); outline-offset: -2px; }
        .hit.ok .th { outline: 3px solid var(--up); outline-offset: -3px; }
        .hit.miss .th { outline: 3px solid var(--down); outline-offset: -3px; }
        .hit.miss figcaption { color: var(--down); }
        .score { align-self: center; margin-left: 4px; font-size: 13px; color: var(--muted); white-space: nowrap; }
        .gone { background: repeating-linear-gradient(45deg, #eee 0 6px, #f8f8f8 6px 12px); }
        .warn { border: 1px solid #d4a72c; background: #fff8c5; border-radius: 6px; padding: 10px 14px; margin: 12px 0; }
        .warn ul { margin: 6px 0 0; padding-left: 20px; }
        """;
}
