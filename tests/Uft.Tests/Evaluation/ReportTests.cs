using System.Text.Json;
using System.Text.RegularExpressions;
using Uft.Data;
using Uft.Evaluation;
using Uft.Models;
using Uft.Reporting;
using static TorchSharp.torch;

namespace Uft.Tests.Evaluation;

public class ReportTests
{
    [Fact]
    public void EvalSuiteWritesEvalJsonAndTheReportEmbedsEverything()
    {
        string dir = Paths.TempDir();
        SyntheticImages.Write(Path.Combine(dir, "train"), perClass: 8, seed: 1);
        SyntheticImages.Write(Path.Combine(dir, "test"), perClass: 4, seed: 2);
        var train = ImageFolder.Labeled(Path.Combine(dir, "train"));
        var test = ImageFolder.Labeled(Path.Combine(dir, "test"));
        var transforms = new EvalTransforms(new SyntheticImages.NearestTransform(32));
        var options = new EvalOptions { BatchSize = 8, ClusteringRestarts = 2, ClusteringSeeds = 3, ProbeTrials = 3, KnnK = 5, TSnePoints = 16, TSneIterations = 300 };

        string before = Path.Combine(dir, "pretrained"), after = Path.Combine(dir, "finetuned");
        foreach (var (folder, seed) in new[] { (before, 0), (after, 1) })
        {
            random.manual_seed(seed);
            using var net = ResNet.ResNet18();
            // The test images double as a labelled "source" set, to exercise the forgetting metric and the joint t-SNE.
            var report = EvalSuite.Run(net, "resnet18", train, test, test.Items, transforms, options, folder, command: $"uft eval --seed {seed}");
            Assert.InRange(report.Metrics[EvalMetrics.Retrieval].Mean, 0, 1);
            Assert.InRange(report.Metrics[EvalMetrics.SourceClusteringPrecision].Mean, 0.5, 1);
        }
        WriteCurve(before, speed: 0.6);
        WriteCurve(after, speed: 1);
        File.WriteAllText(Path.Combine(after, "config.json"), "{\n  \"preset\": \"uft\",\n  \"epochs\": 30\n}");

        var loaded = EvalReport.Load(Path.Combine(after, "eval.json"));
        Assert.Equal("resnet18", loaded.Backbone);
        Assert.Contains(EvalMetrics.ClusteringNmi, loaded.Metrics.Keys);
        // t-SNE as data, beside eval.json: 16 target points by class, then 8 + 8 target/source points.
        var maps = TSneMap.Load(Path.Combine(after, loaded.TSneFile!));
        Assert.Equal(["target", "source_target"], maps.Select(m => m.Name));
        Assert.Equal(train.Items.Select(i => i.Label), maps[0].Groups);
        Assert.Equal([.. Enumerable.Repeat(0, 8), .. Enumerable.Repeat(1, 8)], maps[1].Groups);
        Assert.All(maps, m => Assert.Equal(m.Groups.Length, m.X.Length));

        // Per class, on two balanced classes (4 test images each): the class means average to the overall figure.
        Assert.Equal(["0", "1"], loaded.Classes);
        foreach (var metric in new[] { EvalMetrics.Retrieval, EvalMetrics.Knn })
            Assert.Equal(loaded.Metrics[metric].Mean, loaded.PerClass[metric].Average(), 12);
        // The retrieval sample: every test image (8 asked for, 8 there), 5 neighbours each, paths relative to the roots.
        var sample = loaded.RetrievalSample!;
        Assert.Equal(Path.GetFullPath(Path.Combine(dir, "train")), sample.TrainRoot);
        Assert.Equal(test.Items.Select(i => Path.GetRelativePath(test.Root, i.Path)).Order(), sample.Queries.Select(q => q.Path).Order());
        foreach (var q in sample.Queries)
        {
            Assert.Equal(5, q.Neighbours.Count);
            Assert.True(File.Exists(Path.Combine(sample.TestRoot, q.Path)));
            Assert.Equal(q.Path.Split('/')[0], q.Class);
            Assert.All(q.Neighbours, n => Assert.Equal(n.Class == q.Class, n.Match));
            Assert.All(q.Neighbours, n => Assert.True(File.Exists(Path.Combine(sample.TrainRoot, n.Path)), n.Path));
            Assert.Equal(q.Neighbours.Select(n => n.Similarity).OrderDescending(), q.Neighbours.Select(n => n.Similarity));
        }
        // The same queries for another backbone on the same test folder.
        Assert.Equal(EvalReport.Load(Path.Combine(before, "eval.json")).RetrievalSample!.Queries.Select(q => q.Path), sample.Queries.Select(q => q.Path));
        // Retrieval precision per query, averaged, is the figure in the metrics.
        Assert.Equal(loaded.Metrics[EvalMetrics.Retrieval].Mean, sample.Queries.Average(q => q.Neighbours.Count(n => n.Match) / 5.0), 12);

        string html = Path.Combine(dir, "report.html");
        HtmlReport.Write(html, [ReportRun.Load(before), ReportRun.Load(after)]);
        string text = File.ReadAllText(html);
        // Self-contained: every image is inline, nothing is fetched.
        Assert.DoesNotMatch(new Regex("(src|href)=\"(?!data:)"), text);
        int images = Regex.Matches(text, "src=\"data:image/png;base64,").Count;
        // Bars (frozen features, k-shot probe, source), 5 curves and kNN against minutes, 2 t-SNE maps per run drawn from tsne.json.
        Assert.Equal(3 + 6 + 4, images);
        Assert.Contains("alt=\"kNN accuracy against training minutes\"", text);
        // The gallery: 8 queries x 5 neighbours x 2 runs; the per-class table of the finetuned run against the first.
        Assert.Equal(80, Regex.Matches(text, "<figure class=\"hit (ok|miss)\">").Count);
        Assert.Contains("Per class: gains and losses against “pretrained”", text);
        // tsne.json is data the report draws, not a config to print.
        Assert.DoesNotContain("<h4>tsne.json</h4>", text);
        Assert.Contains("4-shot linear probe, mean-class", text);
        Assert.Contains("uft eval --seed 1", text);
        Assert.Contains("&quot;preset&quot;: &quot;uft&quot;", text);
        Assert.Contains("Retrieval accuracy (top-5)", text);
    }

    [Fact]
    public void ReportRunRejectsAFolderWithoutResults()
    {
        var e = Assert.Throws<UftException>(() => ReportRun.Load(Paths.TempDir()));
        Assert.True(e.IsUsage);
    }

    [Fact]
    public void MinutesTrainedSumsTheEpochsSeconds()
    {
        TrainingPoint At(int epoch, double? seconds) => new(epoch, epoch * 10L, 1, 0.1, Seconds: seconds);
        // 90 s, then 30 s, then 60 s: 1.5, 2, 3 minutes at the ends of epochs 1-3.
        Assert.Equal([1.5, 2.0, 3.0], TrainingPoint.MinutesTrained([At(1, 90), At(2, 30), At(3, 60)])!);
        // No time axis for a line without its seconds (an older metrics.jsonl), a curve logged by step, or none at all.
        Assert.Null(TrainingPoint.MinutesTrained([At(1, 90), At(2, null)]));
        Assert.Null(TrainingPoint.MinutesTrained([At(1, 90), At(1, 30)]));
        Assert.Null(TrainingPoint.MinutesTrained([]));
    }

    /// <summary>A plausible 30-epoch metrics.jsonl: falling loss, cosine lr, rising kNN, alignment/uniformity; speed scales the changes and
    /// sets the pace (a minute an epoch at speed 1).</summary>
    static void WriteCurve(string folder, double speed)
    {
        var lines = Enumerable.Range(1, 30).Select(e => JsonSerializer.Serialize(new
        {
            epoch = e,
            step = e * 47,
            loss = 8.5 * Math.Exp(-e * speed / 12.0) + 2.1,
            lr = 0.03 * 0.5 * (1 + Math.Cos(Math.PI * (e - 1) / 30)),
            knn = 0.55 + 0.25 * speed * (1 - Math.Exp(-e / 8.0)),
            align = 0.9 - 0.3 * speed * (1 - Math.Exp(-e / 10.0)),
            uniform = -2.2 - 1.1 * speed * (1 - Math.Exp(-e / 9.0)),
            seconds = 60 / speed,
        }));
        File.WriteAllLines(Path.Combine(folder, "metrics.jsonl"), lines);
    }
}
