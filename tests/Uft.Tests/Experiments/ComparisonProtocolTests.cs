using Uft.Evaluation;
using Uft.Experiments;
using Uft.Tests.Evaluation;

namespace Uft.Tests.Experiments;

/// <summary>A comparison runs every protocol (FixMatch, forgetting, the source/target t-SNE) and, when asked, evaluates
/// each arm at a second size; results.md and report.html then show both.</summary>
[Collection(SerialCollection.Name)]
public class ComparisonProtocolTests
{
    [Fact]
    public void FixMatchSourceSetAndASecondEvaluationSize()
    {
        string dir = Paths.TempDir();
        SyntheticImages.Write(Path.Combine(dir, "train"), perClass: 6, seed: 1);
        SyntheticImages.Write(Path.Combine(dir, "test"), perClass: 3, seed: 2);
        SyntheticImages.Write(Path.Combine(dir, "source"), perClass: 5, seed: 3);
        var config = new ComparisonConfig
        {
            Name = "c", OutputRoot = dir, Backbone = "resnet18", Arms = ["none"],
            Train = Path.Combine(dir, "train"), Test = Path.Combine(dir, "test"), Source = Path.Combine(dir, "source"),
            ImageSize = 32, EvalSize = 40, BatchSize = 8,
            Eval = new EvalOptions
            {
                BatchSize = 8, ClusteringRestarts = 1, ClusteringSeeds = 2, LinearProbe = false, ProbeShots = [2], ProbeTrials = 1, TSnePoints = 20, TSneIterations = 250,
                FixMatch = new FixMatchOptions { Shots = [2], Trials = 1, Steps = 2, BatchSize = 4, Mu = 1 },
            },
        };
        var arm = Assert.Single(Comparison.Run(config));
        // FixMatch had no weak/strong views and threw after training; the source set was never passed.
        Assert.Contains(EvalMetrics.SemiMeanClass(2), arm.Eval.Metrics.Keys);
        Assert.Contains(EvalMetrics.SourceClusteringPrecision, arm.Eval.Metrics.Keys);
        Assert.Contains(TSneMap.Load(Path.Combine(arm.Folder, arm.Eval.TSneFile!)), m => m.Name == "source_target");
        Assert.Equal("32", arm.Eval.Settings[EvalReport.ImageSizeSetting]);
        var at40 = Assert.IsType<EvalReport>(arm.AtEvalSize);
        Assert.Equal("40", at40.Settings[EvalReport.ImageSizeSetting]);
        Assert.True(File.Exists(Path.Combine(config.Folder, "none", Comparison.EvalSizeFolder(40), "eval.json")));
        string results = File.ReadAllText(Path.Combine(config.Folder, "results.md"));
        Assert.Contains("At the training size, 32 px:", results);
        Assert.Contains("At 40 px", results);
        Assert.Contains("| Semi-2 |", results);
        Assert.Contains("no finetuned arm is recalibrated", Arms.Describe(Arms.BnAdapt));
        string html = File.ReadAllText(Path.Combine(config.Folder, "report.html"));
        Assert.Contains("<h2>Evaluation: image size 32", html);
        Assert.Contains("<h2>Evaluation: image size 40", html);
        // A rerun reuses both evaluations.
        var again = Assert.Single(Comparison.Run(config));
        Assert.Equal(at40.Metrics[EvalMetrics.Retrieval].Mean, again.AtEvalSize!.Metrics[EvalMetrics.Retrieval].Mean);
    }
}
