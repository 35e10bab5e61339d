namespace Uft.Tests.Commands;

/// <summary>Train and test folders that share images are refused before anything loads: one line, exit 2.</summary>
public class EvalOverlapCliTests
{
    [Fact]
    public void TheSameFolderAsTrainAndTestIsRefused()
    {
        string train = Path.Combine(Paths.Demo, "train");
        var r = Cli.Run("eval", "--backbone", "resnet18", "--train", train, "--test", train, "--protocols", "retrieval", "--image-size", "32");
        Assert.Equal(2, r.ExitCode);
        string line = Assert.Single(r.All.Trim().Split('\n'));
        Assert.StartsWith($"error: {train}: 300 of its images are also in {train} (e.g. ", line);
        Assert.EndsWith("; give disjoint train and test folders", line);
    }
}
