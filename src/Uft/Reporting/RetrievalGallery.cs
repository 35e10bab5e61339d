using System.Text;
using Uft.Evaluation;
using static Uft.Reporting.HtmlReport;

namespace Uft.Reporting;

/// <summary>
/// The report's retrieval gallery: each sampled test query (eval.json's <see cref="RetrievalSample"/>), then per run
/// its top-k train images as thumbnails, most similar first, framed green where the class matches the query's and
/// red where it does not, with the class written under each. Runs evaluated on the same test folder share queries.
/// </summary>
static class RetrievalGallery
{
    public static void Append(StringBuilder html, IReadOnlyList<ReportRun> runs, string[] names, ThumbnailSheet thumbs)
    {
        var samples = runs.Select(r => r.Eval?.RetrievalSample).ToArray();
        if (samples.FirstOrDefault(s => s is not null) is not { } first) return;
        var shown = Enumerable.Range(0, runs.Count).Where(r => samples[r] is not null).ToArray();
        int k = first.Queries.FirstOrDefault()?.Neighbours.Count ?? 0;
        html.Append("<h2 id=\"gallery\">Retrieval: the nearest train images</h2><p class=\"note\">")
            .Append($"{first.Queries.Count} test images, chosen from the test folder's file names alone (a seeded hash, spread over classes), so every run shows the same queries. ")
            .Append($"Per run, the {k} train images most similar to each (cosine, most similar first): <span class=\"up\">green</span> where the class is the query's, <span class=\"down\">red</span> where it is not, ")
            .Append($"with the number that match. Hover over an image for its file and similarity.</p><div class=\"wide\"><table class=\"gallery\"><thead><tr><th>Query</th>");
        foreach (int r in shown) html.Append($"<th><span class=\"swatch\" style=\"background:{SwatchColor(r)}\"></span>{E(names[r])}</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var query in first.Queries)
        {
            html.Append("<tr><td>").Append(Thumb(thumbs, first.TestRoot, query.Path, query.Class, "query", query.Path)).Append("</td>");
            foreach (int r in shown)
            {
                // The same test image in another run's sample; absent when that run was evaluated on another test folder.
                var match = samples[r]!.TestRoot == first.TestRoot ? samples[r]!.Queries.FirstOrDefault(q => q.Path == query.Path) : null;
                if (match is null) { html.Append("<td class=\"note\">–</td>"); continue; }
                html.Append("<td><div class=\"hits\">");
                foreach (var n in match.Neighbours)
                    html.Append(Thumb(thumbs, samples[r]!.TrainRoot, n.Path, n.Class, n.Match ? "hit ok" : "hit miss", $"{n.Path} · similarity {n.Similarity:0.000}"));
                int hits = match.Neighbours.Count(n => n.Match);
                html.Append($"<div class=\"score\"><b>{hits}</b>/{match.Neighbours.Count}</div></div></td>");
            }
            html.Append("</tr>");
        }
        html.Append("</tbody></table></div>");
        if (thumbs.Missing > 0)
            html.Append($"<p class=\"note\">{thumbs.Missing} image(s) could not be read where the evaluation found them (e.g. under {E(first.TrainRoot)}); they show as empty boxes.</p>");
    }

    static string Thumb(ThumbnailSheet thumbs, string root, string relative, string label, string cls, string title)
    {
        string? image = thumbs.ClassOf(Path.Combine(root, relative));
        return $"<figure class=\"{cls}\"><div class=\"th {image ?? "gone"}\" title=\"{E(title)}\"></div><figcaption>{E(label)}</figcaption></figure>";
    }
}
