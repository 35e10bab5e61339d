using Uft.Data;
using Uft.Evaluation;
using Uft.Models;
using Uft.Reporting;
using static TorchSharp.torch;

namespace Uft.Tests.Evaluation;

/// <summary>The evaluation path on real JPEGs (Caltech-101 from ../shared): decoding, features, eval.json, report.</summary>
public class SharedDataEvalTests
{
    [SharedDataFact]
    public void EvalSuiteRunsOnAFewCaltechClasses()
    {
        string root = Path.Combine(Paths.SharedData!, "caltech101");
        var train = Take(ImageFolder.Labeled(Path.Combine(root, "train")), classes: 5, perClass: 8);
        var test = Take(ImageFolder.Labeled(Path.Combine(root, "test")), classes: 5, perClass: 4);
        string dir = Paths.TempDir();
        random.manual_seed(0);
        using var net = ResNet.ResNet18();
        var options = new EvalOptions { BatchSize = 20, ClusteringRestarts = 3, ClusteringSeeds = 5, ProbeTrials = 3, KnnK = 20, TSnePoints = 40, TSneIterations = 300, ProbeShots = [1, 4] };
        var report = EvalSuite.Run(net, "resnet18 (random init)", train, test, null, new EvalTransforms(new SyntheticImages.NearestTransform(64)), options, dir, "uft eval (test)");
        Assert.Equal(5, report.Metrics.Count(m => m.Key.StartsWith("clustering_") || m.Key == EvalMetrics.Retrieval));
        Assert.All(report.Metrics.Values, m => Assert.InRange(m.Mean, 0, 1));
        HtmlReport.Write(Path.Combine(dir, "report.html"), [ReportRun.Load(dir)]);
        Assert.True(new FileInfo(Path.Combine(dir, "report.html")).Length > 10_000);
    }

    static ImageFolder Take(ImageFolder folder, int classes, int perClass) =>
        folder.Subset(folder.Items.Where(i => i.Label < classes).GroupBy(i => i.Label).SelectMany(g => g.Take(perClass)));
}
