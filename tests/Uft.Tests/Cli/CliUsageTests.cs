namespace Uft.Tests.Commands;

/// <summary>Bad input ends with exit code 2 and one line saying what is wrong and what to do.</summary>
public class CliUsageTests
{
    static readonly string Train = Path.Combine(Paths.Demo, "train"), Test = Path.Combine(Paths.Demo, "test");

    static void AssertUsage(Cli.Result r, string expected)
    {
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("error: " + expected, r.All.Trim());
    }

    [Fact]
    public void UnknownProtocol() => AssertUsage(
        Cli.Run("eval", "--backbone", "resnet18", "--train", Train, "--test", Test, "--protocols", "retrieval,tsnee"),
        "--protocols: unknown protocol 'tsnee'; choose from retrieval, clustering, knn, probe, kshot, fixmatch, tsne, forgetting, labelfree or all");

    [Fact]
    public void ShotsLargerThanTheSmallestClass() => AssertUsage(
        Cli.Run("eval", "--backbone", "resnet18", "--train", Train, "--test", Test, "--protocols", "probe", "--shots", "1,40", "--image-size", "32"),
        "--shots 40: class bonsai has only 30 train images; use at most 30");

    [Fact]
    public void TrainAndTestClassesDiffer()
    {
        string test = Path.Combine(Paths.TempDir(), "test");
        foreach (var cls in new[] { "bonsai", "brain" })
        {
            Directory.CreateDirectory(Path.Combine(test, cls));
            foreach (var f in Directory.GetFiles(Path.Combine(Test, cls)).Take(2)) File.Copy(f, Path.Combine(test, cls, Path.GetFileName(f)));
        }
        AssertUsage(Cli.Run("eval", "--backbone", "resnet18", "--train", Train, "--test", test, "--protocols", "retrieval", "--image-size", "32"),
            $"{test}: its classes differ from those of {Train}; give a matching train/test pair");
    }

    [Fact]
    public void RunFolderWithoutBackbone()
    {
        string run = Paths.TempDir();
        AssertUsage(Cli.Run("embed", "--backbone", run, "--folder", Test, "--output", Path.Combine(run, "emb")),
            $"--backbone {run}: run folder without backbone.safetensors; let the run finish (or resume it) or give a weights file");
    }

    [Fact]
    public void ForgettingWithoutLabelledSource() => AssertUsage(
        Cli.Run("eval", "--backbone", "resnet18", "--train", Train, "--test", Test, "--protocols", "forgetting", "--source", Path.Combine(Paths.Demo, "source")),
        $"--source {Path.Combine(Paths.Demo, "source")}: forgetting needs a labelled source folder ({Path.Combine(Paths.Demo, "source")}/<class>/<image>); this one has no class folders");

    [Fact]
    public void ForgettingOnASourceOfOneImageAClass()
    {
        // ImageNet's replay sample is laid out like this: K-means with one cluster a class would score 100 for any backbone.
        string source = Path.Combine(Paths.TempDir(), "source");
        foreach (var cls in new[] { "bonsai", "brain", "ewer" })
        {
            Directory.CreateDirectory(Path.Combine(source, cls));
            var f = Directory.GetFiles(Path.Combine(Train, cls)).Order().First();
            File.Copy(f, Path.Combine(source, cls, Path.GetFileName(f)));
        }
        AssertUsage(Cli.Run("eval", "--backbone", "resnet18", "--train", Train, "--test", Test, "--protocols", "forgetting", "--source", source),
            $"--source {source}: cannot measure forgetting: 3 of its 3 classes hold one image, so clusters of one class each score 100 whatever the backbone; give a labelled source with several images a class");
    }

    /// <summary>Options that contradict each other are refused in one line naming both (issue 38), before anything is written.</summary>
    [Theory]
    [InlineData("--preset naive --mixing cutmix", "--mixing cutmix and --preset naive: preset naive mixes no queries; use --preset uft (with replay) or mix-only (without)")]
    [InlineData("--preset uft --mixing none", "--mixing none and --preset uft: preset uft mixes queries; for replay without mixing use --preset replay-only, for neither --preset naive")]
    [InlineData("--replay-count 10 --replay-fraction 0.5", "--replay-count and --replay-fraction: give one (the count names the number of source images, the fraction their share)")]
    [InlineData("--epochs 3 --minutes 1", "--epochs and --minutes: give one; --minutes chooses the epochs that fit the budget")]
    [InlineData("--crop-scale 0.5,0.1", "--crop-scale 0.5,0.1: give two area fractions MIN,MAX with 0 < MIN <= MAX <= 1, e.g. 0.1,0.4 (MoCo v2: 0.2,1)")]
    [InlineData("--crop-scale small", "--crop-scale small: give two area fractions MIN,MAX, e.g. 0.1,0.4 (MoCo v2: 0.2,1)")]
    [InlineData("--scale-blur maybe", "--scale-blur maybe: give on or off (alone it means on)")]
    [InlineData("--preset naive --cached-views 1", "--cached-views 1: give 2 or more views an image (a query and a key), or 0 for fresh views every step")]
    [InlineData("--preset naive --cached-views 4 --freeze-stages 0", "--cached-views: keeps the frozen stages' output, but this run freezes none; give --freeze-stages 1 to 3 or drop --cached-views")]
    [InlineData("--preset naive --cached-views 0 --refresh-views 2", "--refresh-views 2: must be 0 (never) or more, and needs cached views (frozen stages, --cached-views not 0)")]
    [InlineData("--bn frozen", "--bn frozen: choose keep (the pretrained statistics) or train (train-mode batch norm, as in the paper)")]
    public void ContradictoryTrainingOptions(string options, string expected)
    {
        string output = Paths.TempDir();
        AssertUsage(Cli.Run(["finetune", "--target", Train, "--output", output, .. options.Split(' ')]), expected);
        Assert.Empty(Directory.EnumerateFileSystemEntries(output));
    }

    [Fact]
    public void ExportToAnUnknownFormat() => AssertUsage(
        Cli.Run("export", "--backbone", "resnet18", "--output", "/tmp/x.bin"),
        "--output /tmp/x.bin: unknown format '.bin'; end the name with .safetensors, .pth or .onnx");

    [Fact]
    public void CompareFreezingMoreStagesThanItCan()
    {
        string output = Paths.TempDir();
        AssertUsage(Cli.Run("compare", "--train", Train, "--test", Test, "--arms", "none,naive", "--freeze-stages", "4", "--output", output),
            "--freeze-stages 4: must be 0 to 3 (the stem with layer1 to layer3; layer4 and the head always train)");
        Assert.Empty(Directory.EnumerateFileSystemEntries(output));
    }

    [Fact]
    public void CompareRefusesAnArmsTrainingSettingsBeforeEvaluatingAnything()
    {
        // The finetuning arms' settings are checked before the backbone as shipped is evaluated, not when their turn comes.
        string output = Paths.TempDir();
        AssertUsage(Cli.Run("compare", "--train", Train, "--test", Test, "--arms", "none,naive", "--cached-views", "4", "--freeze-stages", "0", "--output", output),
            "--cached-views: keeps the frozen stages' output, but this run freezes none; give --freeze-stages 1 to 3 or drop --cached-views");
        Assert.Empty(Directory.EnumerateFileSystemEntries(output));
    }

    [Fact]
    public void ReportOfAMissingFolder() => AssertUsage(Cli.Run("report", "/no/such/run"), "/no/such/run: folder not found");
}
