using System.Text.RegularExpressions;
using SkiaSharp;
using Uft.Evaluation;
using Uft.Reporting;

namespace Uft.Tests.Reporting;

public class ReportSectionsTests
{
    static string Demo(string split) => Path.Combine(Paths.Demo, split);

    static string WriteEval(string dir, string name, EvalReport report)
    {
        string folder = Path.Combine(dir, name);
        Directory.CreateDirectory(folder);
        report.Save(Path.Combine(folder, "eval.json"));
        return folder;
    }

    [Fact]
    public void PerClassTableListsTheClassesThatGainedMostThenThoseThatLostMostAgainstTheBaseline()
    {
        string dir = Paths.TempDir();
        var classes = Enumerable.Range(0, 12).Select(c => $"c{c:00}").ToArray();
        double[] delta = [0.30, -0.10, 0.05, 0, 0.20, -0.40, 0.10, 0.01, -0.05, 0.15, -0.20, 0.02];
        var metrics = new Dictionary<string, MetricSummary> { [EvalMetrics.Retrieval] = MetricSummary.Single(0.5) };
        string before = WriteEval(dir, "shipped", new EvalReport
        {
            Metrics = metrics, Classes = classes, PerClass = new() { [EvalMetrics.Retrieval] = classes.Select(_ => 0.5).ToArray() },
        });
        string after = WriteEval(dir, "tuned", new EvalReport
        {
            Metrics = metrics, Classes = classes, PerClass = new() { [EvalMetrics.Retrieval] = delta.Select(d => 0.5 + d).ToArray() },
        });
        string html = Path.Combine(dir, "report.html");
        // The baseline need not come first.
        HtmlReport.Write(html, [ReportRun.Load(after), ReportRun.Load(before)], baseline: 1);
        string text = File.ReadAllText(html);

        Assert.Contains("Per class: gains and losses against “shipped”", text);
        // Gains +30, +20, +15, +10, +5 first; +2 and +1 skipped; then 0, −5, −10, −20, −40.
        var rows = Regex.Matches(text, "<tr><td>(c\\d\\d)</td>").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(["c00", "c04", "c09", "c06", "c02", "c03", "c08", "c01", "c10", "c05"], rows);
        Assert.Contains("… 2 classes in between", text);
        // 7 up, 4 down, 1 unchanged; mean change +0.08 / 12 = +0.67 points.
        Assert.Contains("7 of 12 classes gained, 4 lost; mean Δ +0.7.", text);
        Assert.Matches("<td>c05</td><td class=\"num\">50.0</td><td class=\"num\">10.0</td><td class=\"num down\">−40.0</td>", text);
    }

    [Fact]
    public void GalleryEmbedsEachImageOnceAndMarksMatchesAndMisses()
    {
        string dir = Paths.TempDir();
        // A wide picture (red | green | blue thirds) as a query: its square thumbnail is the green centre.
        string wide = Path.Combine(dir, "test", "ewer", "wide.png");
        Directory.CreateDirectory(Path.GetDirectoryName(wide)!);
        using (var bitmap = new SKBitmap(300, 100))
        {
            for (int y = 0; y < 100; y++)
                for (int x = 0; x < 300; x++) bitmap.SetPixel(x, y, x < 100 ? SKColors.Red : x < 200 ? SKColors.Lime : SKColors.Blue);
            using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(wide, png.ToArray());
        }
        RetrievalSample.Neighbour N(string path, bool match) => new(path, path.Split('/')[0], match, 0.5);
        var first = new RetrievalSample(Demo("train"), Path.Combine(dir, "test"),
        [
            new("ewer/wide.png", "ewer", [N("ewer/image_0001.jpg", true), N("ketch/image_0001.jpg", false), N("ewer/image_0003.jpg", true)]),
            new("ewer/gone.jpg", "ewer", [N("ewer/image_0001.jpg", true), N("ewer/missing.jpg", true), N("ketch/image_0010.jpg", false)]),
        ]);
        // The second run retrieves some of the same images: they are embedded once.
        var second = first with
        {
            Queries = [new("ewer/wide.png", "ewer", [N("ewer/image_0006.jpg", true), N("ewer/image_0001.jpg", true), N("ewer/image_0003.jpg", true)])],
        };
        string a = WriteEval(dir, "a", new EvalReport { RetrievalSample = first });
        string b = WriteEval(dir, "b", new EvalReport { RetrievalSample = second });
        string html = Path.Combine(dir, "report.html");
        HtmlReport.Write(html, [ReportRun.Load(a), ReportRun.Load(b)]);
        string text = File.ReadAllText(html);

        Assert.Contains("Retrieval: the nearest train images", text);
        // Distinct readable images: wide.png and train ewer 0001, 0003, 0006, ketch 0001, 0010; gone.jpg and missing.jpg are not there.
        var rules = Regex.Matches(text, @"\.t\d+\{background-image:url\(data:image/jpeg;base64,([A-Za-z0-9+/=]+)\)\}");
        Assert.Equal(6, rules.Count);
        Assert.Equal(2, Regex.Matches(text, "class=\"th gone\"").Count);
        Assert.Contains("2 image(s) could not be read", text);
        Assert.Equal(2, Regex.Matches(text, "<figure class=\"hit miss\">").Count);
        Assert.Equal(7, Regex.Matches(text, "<figure class=\"hit ok\">").Count);
        Assert.Contains("<b>2</b>/3", text);
        Assert.Contains("<b>3</b>/3", text);
        // The second query is not in run b's sample.
        Assert.Contains("<td class=\"note\">–</td>", text);
        Assert.DoesNotMatch(new Regex("(src|href)=\"(?!data:)"), text);

        // The first thumbnail handed out is the first query's: 60 x 60, green to its corners.
        using var thumb = SKBitmap.Decode(Convert.FromBase64String(rules[0].Groups[1].Value));
        Assert.Equal((60, 60), (thumb.Width, thumb.Height));
        foreach (var (x, y) in new[] { (2, 2), (57, 2), (2, 57), (57, 57), (30, 30) })
        {
            var p = thumb.GetPixel(x, y);
            Assert.True(p.Green > 200 && p.Red < 60 && p.Blue < 60, $"({x}, {y}) is {p}, not green");
        }
    }

    [Fact]
    public void EvaluationNamesNothingFromReporting()
    {
        // Data flows Evaluation -> Reporting: evaluation writes data, reporting draws it.
        var offenders = Directory.EnumerateFiles(Path.Combine(Paths.Repo, "src", "Uft", "Evaluation"), "*.cs")
            .Where(f => File.ReadLines(f).Select(l => l.Trim()).Where(l => !l.StartsWith("//"))
                .Any(l => Regex.IsMatch(l, @"\bUft\.Reporting\b|\bReporting\.[A-Z]")))
            .Select(Path.GetFileName).ToList();
        Assert.Empty(offenders);
    }
}
