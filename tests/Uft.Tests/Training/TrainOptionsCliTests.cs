using System.Text.Json.Nodes;
using Uft.Tests.Reliability;
using Uft.Training;

namespace Uft.Tests.Training;

/// <summary>Issue 15 items 7-10 through the real CLI: the options reach config.json and the run, a resume keeps them,
/// and the learning rate follows the batch actually used.</summary>
public sealed class TrainOptionsCliTests : IDisposable
{
    readonly string target = SmallRun.Target(16), output = Paths.TempDir();

    string[] Args(params string[] more) =>
    [
        "finetune", "--target", target, "--preset", "scratch", "--image-size", "32", "--workers", "1", "--seed", "7",
        "--name", "opts", "--output", output, .. more,
    ];

    [Theory]
    [InlineData(10, 2, 3, "about 15s left")]
    [InlineData(100, 1, 3, "about 5m 0s left")]
    [InlineData(118, 1, 97, "about 3h 10m left")]  // the calibration's UFT arm: 118 s an epoch
    [InlineData(10, 0, 3, null)]                    // nothing timed yet
    [InlineData(10, 2, 0, null)]                    // the last epoch
    public void TimeLeftIsThePaceOfTheTimedEpochs(double seconds, int timed, int left, string? expected) =>
        Assert.Equal(expected, TrainProgress.TimeLeft(TimeSpan.FromSeconds(seconds), timed, left));

    [Fact]
    public void OptionsAreRecordedUsedAndKeptOnResumeAndLrScalesWithTheBatchUsed()
    {
        // 16 images, batch 32 asked: the batch is 16, one step an epoch, lr 0.03 (scratch) x 16/256 = 0.001875.
        var r = Cli.Run(Args("--epochs", "1", "--batch-size", "32", "--scale-blur", "--keep-same-image-negatives"));
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("batch size 32 is more than the 16 images: using 16, lr 0.0018", r.All);
        string run = Path.Combine(output, "opts");
        Assert.Equal(0.001875, SmallRun.Metrics(run).Single().Lr, 12); // was 0.03 x 32/256 = 0.00375
        AssertRecorded();

        // The resumed run reads config.json and keeps what it recorded.
        r = Cli.Run(Args("--resume", "--epochs", "4"));
        Assert.True(r.ExitCode == 0, r.All);
        // A log's epoch lines (no terminal) carry the time left from the second epoch this process trains on, as the
        // terminal's bar does; none on its first, whose pace is not known yet, nor after the last.
        Assert.Matches(@"(?m)^epoch 2/4  loss \d+\.\d{4}  lr \S+  \d+ img/s$", r.Stdout);
        Assert.Matches(@"(?m)^epoch 3/4  loss \d+\.\d{4}  lr \S+  \d+ img/s  about \d+s left$", r.Stdout);
        Assert.Matches(@"(?m)^epoch 4/4  loss \d+\.\d{4}  lr \S+  \d+ img/s$", r.Stdout);
        Assert.Equal(4, SmallRun.Metrics(run).Count);
        AssertRecorded();

        // Options that would change the run are refused by name, not dropped, and nothing is trained (issue 38).
        var refused = Cli.Run(Args("--resume", "--epochs", "5", "--lr", "0.5", "--temperature", "0.1"));
        Assert.Equal(2, refused.ExitCode);
        Assert.StartsWith("error: --resume with --", refused.All.Trim());
        Assert.Contains("--lr", refused.All);
        Assert.Contains("--temperature", refused.All);
        Assert.EndsWith("which a resumed run keeps; drop them, or start a new run under another --name", refused.All.Trim());
        Assert.Equal(4, SmallRun.Metrics(run).Count);

        void AssertRecorded()
        {
            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "config.json")))!;
            Assert.False((bool)config["maskSameImage"]!);
            Assert.True((bool)config["scaleBlur"]!);
            Assert.Null(config["sourceRatio"]);
        }
    }

    [Fact]
    public void OnOffOptionsTurnOffWhatAConfigFileTurnedOn()
    {
        string config = Path.Combine(output, "on.json");
        File.WriteAllText(config, """{ "scaleBlur": true, "recalibrateBn": true, "maskSameImage": false, "onNonFinite": "Skip" }""");
        var r = Cli.Run(Args("--config", config, "--epochs", "1", "--batch-size", "16", "--scale-blur", "off", "--recalibrate-bn", "off",
            "--keep-same-image-negatives", "off", "--skip-nonfinite", "off", "--crop-scale", "0.1,0.4"));
        Assert.True(r.ExitCode == 0, r.All);
        var saved = TrainConfig.Load(Path.Combine(output, "opts", "config.json"));
        Assert.Equal((false, false, true, NonFinitePolicy.Stop), (saved.ScaleBlur, saved.RecalibrateBn, saved.MaskSameImage, saved.OnNonFinite));
        Assert.DoesNotContain("re-estimated", r.All);
        Assert.Equal([0.1, 0.4], saved.CropScale!);
    }

    [Fact]
    public void CropScaleSetsTheRandomCropsAreaRange()
    {
        var o = new TrainConfig { CropScale = [0.1, 0.4] }.Augmentation();
        Assert.Equal((0.1, 0.4), (o.ScaleMin, o.ScaleMax));
        Assert.Equal((0.2, 1.0), (new TrainConfig().Augmentation().ScaleMin, new TrainConfig().Augmentation().ScaleMax)); // MoCo v2's
        Assert.Equal(2.0 * 112 / 224, new TrainConfig { ImageSize = 112, ScaleBlur = true, CropScale = [0.1, 0.4] }.Augmentation().SigmaMax, 12);
    }

    [Fact]
    public void DefaultsMaskSameImageNegativesAndKeepBlurAndMomentumAsBefore()
    {
        string path = Path.Combine(output, "old.json");
        File.WriteAllText(path, """{ "target": "x", "keyMomentum": 0.99 }"""); // a config written before these keys
        var c = TrainConfig.Load(path);
        Assert.Equal((true, false, 0.99), (c.MaskSameImage, c.ScaleBlur, c.KeyMomentum));
        Assert.Equal(0.015 * 100 / 256, new TrainConfig().LrFor(100), 12);
        Assert.Equal(0.5, new TrainConfig { Lr = 0.5 }.LrFor(100));
    }

    [Theory]
    [InlineData("""{ "target": "x", "plainLoss": false }""", 0.0)] // config.json of a --no-plain-loss run, before --plain-weight
    [InlineData("""{ "target": "x", "plainLoss": true }""", 1.0)]
    [InlineData("""{ "target": "x" }""", 1.0)]
    [InlineData("""{ "target": "x", "plainWeight": 0.5 }""", 0.5)]
    public void ConfigsWrittenBeforeThePlainWeightResumeWithTheWeightTheyTrainedWith(string json, double weight)
    {
        string path = Path.Combine(output, "plain.json");
        File.WriteAllText(path, json);
        var c = TrainConfig.Load(path);
        Assert.Equal(weight, c.PlainWeight);
        var written = JsonNode.Parse(c.ToJson())!.AsObject();
        Assert.Equal(weight, (double)written["plainWeight"]!);
        Assert.False(written.ContainsKey("plainLoss"));
    }

    public void Dispose()
    {
        SmallRun.Delete(output);
        SmallRun.Delete(target);
    }
}
