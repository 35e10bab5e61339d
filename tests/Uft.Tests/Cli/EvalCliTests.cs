using Uft.Data;
using Uft.Data.Augmentations;
using Uft.Evaluation;
using Uft.Models;
using Uft.Pretrained;

namespace Uft.Tests.Commands;

public class EvalCliTests(EvalRuns runs) : IClassFixture<EvalRuns>
{
    [Fact]
    public void EvalJsonRetrievalEqualsTheLibraryOnTheSameFeatures()
    {
        Assert.Equal(0, runs.Export.ExitCode);
        Assert.True(runs.EvalByFile.ExitCode == 0, runs.EvalByFile.All);
        var report = EvalReport.Load(Path.Combine(runs.ByFile, "eval.json"));
        // Only the protocols asked for: retrieval and the four clustering scores.
        Assert.Equal([EvalMetrics.Retrieval, EvalMetrics.ClusteringPrecision, EvalMetrics.ClusteringRecall, EvalMetrics.ClusteringF1, EvalMetrics.ClusteringNmi],
            report.Metrics.Keys.OrderBy(EvalMetrics.Order).ToArray());
        Assert.Equal("resnet18_seed0", report.Backbone);

        var (model, _) = Backbones.Load(runs.Exported);
        using (model)
        {
            var transform = new EvalTransform(EvalRuns.ImageSize, InputNorm.ImageNet);
            var (train, trainLabels) = Features.Extract(model, ImageFolder.Labeled(runs.Train).Items, transform);
            var (test, testLabels) = Features.Extract(model, ImageFolder.Labeled(runs.Test).Items, transform);
            using (train)
            using (test)
                Assert.Equal(Retrieval.TopKAccuracy(test, testLabels, train, trainLabels, 5), report.Metrics[EvalMetrics.Retrieval].Mean, 12);
        }
        // The table (metric, value, description) and the wall time per step.
        Assert.Matches(@"(?m)^(?=.*retrieval_top5)(?=.*Retrieval accuracy \(top-5\))(?=.*\d+\.\d\d).*$", runs.EvalByFile.Stdout);
        Assert.Matches(@"(?m)^(?=.*features_train)(?=.*\d+\.\d).*$", runs.EvalByFile.Stdout);
        Assert.Contains("clustering", report.Seconds.Keys);
    }

    [Fact]
    public void ExportedSafetensorsEvaluatesLikeTheOriginal()
    {
        Assert.True(runs.EvalByName.ExitCode == 0, runs.EvalByName.All);
        var byName = EvalReport.Load(Path.Combine(runs.ByName, "eval.json"));
        var byFile = EvalReport.Load(Path.Combine(runs.ByFile, "eval.json"));
        Assert.Equal(byName.Metrics[EvalMetrics.Retrieval].Mean, byFile.Metrics[EvalMetrics.Retrieval].Mean);
        Assert.Equal(byName.Metrics[EvalMetrics.ClusteringNmi].Mean, byFile.Metrics[EvalMetrics.ClusteringNmi].Mean);
    }

    [Fact]
    public void PthExportHoldsTheSameWeightsAndOnnxIsWritten()
    {
        string pth = Path.Combine(runs.Root, "exported.pth"), onnx = Path.Combine(runs.Root, "exported.onnx");
        var r = Cli.Run("export", "--backbone", runs.Exported, "--output", pth);
        Assert.True(r.ExitCode == 0, r.All);
        AssertSameWeights(runs.Exported, pth);
        var o = Cli.Run("export", "--backbone", runs.Exported, "--output", onnx);
        Assert.True(o.ExitCode == 0, o.All);
        Assert.True(new FileInfo(onnx).Length > 40_000_000, "an ONNX ResNet-18 holds about 45 MB of float weights");
    }

    [Fact]
    public void ARunFolderStandsForItsBackboneAndItsCurves()
    {
        string run = Path.Combine(runs.Root, "run-demo");
        Directory.CreateDirectory(run);
        File.Copy(runs.Exported, Path.Combine(run, "backbone.safetensors"));
        File.WriteAllLines(Path.Combine(run, "metrics.jsonl"),
            ["{\"epoch\": 1, \"step\": 5, \"loss\": 6.2, \"lr\": 0.03}", "{\"epoch\": 2, \"step\": 10, \"loss\": 5.9, \"lr\": 0.02}"]);
        string copy = Path.Combine(runs.Root, "from-run.safetensors");
        var r = Cli.Run("export", "--backbone", run, "--output", copy);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("run-demo", r.Stdout);
        AssertSameWeights(runs.Exported, copy);

        string html = Path.Combine(runs.Root, "run-report.html");
        r = Cli.Run("report", run, runs.ByFile, "--output", html);
        Assert.True(r.ExitCode == 0, r.All);
        string text = File.ReadAllText(html);
        Assert.Contains("run-demo", text);
        Assert.Contains("Training loss", text);
    }

    static void AssertSameWeights(string fileA, string fileB)
    {
        var (a, _) = Backbones.Load(fileA);
        var (b, _) = Backbones.Load(fileB);
        using (a)
        using (b)
        {
            var sa = a.state_dict();
            var sb = b.state_dict();
            Assert.Equal(sa.Keys.Order(), sb.Keys.Order());
            foreach (var (k, v) in sa) Assert.True(v.allclose(sb[k], rtol: 0, atol: 0), k);
        }
    }

    [Fact]
    public void ReportIsSelfContainedAndNamesEachRun()
    {
        string html = Path.Combine(runs.Root, "report", "report.html");
        var r = Cli.Run("report", runs.ByFile, Path.Combine(runs.ByName, "eval.json"), "--output", html, "--title", "CLI test report");
        Assert.True(r.ExitCode == 0, r.All);
        string text = File.ReadAllText(html);
        Assert.Contains("eval-file", text);
        Assert.Contains("eval-name", text);
        Assert.Contains("CLI test report", text);
        Assert.Contains("data:image/png;base64,", text);
        Assert.DoesNotMatch(@"(src|href)\s*=\s*[""'](?!data:|#)", text);
    }
}
