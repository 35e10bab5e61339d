using Uft.Evaluation;
using Uft.Experiments;
using Uft.Tests.Evaluation;
using Uft.Training;

namespace Uft.Tests.Experiments;

/// <summary>A comparison resumes an interrupted arm with the configuration the arm started with, as `uft finetune
/// --resume` does: under --minutes the arm's budget chose its epochs (and maybe where its cosine ends), which the comparison's
/// own settings do not hold.</summary>
[Collection(SerialCollection.Name)]
public class ComparisonResumeTests
{
    [Fact]
    public void AnInterruptedArmResumesWithTheEpochsItsRunChose()
    {
        string dir = Paths.TempDir();
        SyntheticImages.Write(Path.Combine(dir, "train"), perClass: 6, seed: 1);
        SyntheticImages.Write(Path.Combine(dir, "test"), perClass: 3, seed: 2);
        var config = new ComparisonConfig
        {
            Name = "c", OutputRoot = dir, Backbone = "resnet18", Arms = ["naive"], Epochs = 2,
            Train = Path.Combine(dir, "train"), Test = Path.Combine(dir, "test"), ImageSize = 32, BatchSize = 8,
            Eval = new EvalOptions { BatchSize = 8, ClusteringRestarts = 1, ClusteringSeeds = 2, LinearProbe = false, ProbeShots = [2], ProbeTrials = 1, TSnePoints = 0 },
        };
        Comparison.CheckSettings(config);  // as its first run recorded them
        // The arm as a budget would have left it: 3 epochs chosen (config.json), stopped during its second.
        var arm = config.TrainFor("naive") with { Epochs = 3 };
        using (var stop = new CancellationTokenSource())
        {
            var stopped = new Trainer(arm, new SyncProgress<TrainProgress>(p => { if (p.Epoch == 2) stop.Cancel(); }), monitorFactory: TrainingMonitor.Create)
                .Train(ct: stop.Token);
            Assert.False(stopped.Completed);
        }
        Comparison.Run(config);
        string folder = Path.Combine(config.Folder, "naive");
        Assert.Equal([1, 2, 3], RunFolder.ReadMetrics(Path.Combine(folder, "metrics.jsonl")).Select(m => m.Epoch));
        Assert.Equal(3, TrainConfig.Load(Path.Combine(folder, "config.json")).Epochs);
    }
}
