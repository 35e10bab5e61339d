namespace Uft.Tests.Data;

public class DataCheckCliTests
{
    [SharedDataFact]
    public void CaltechTrainHas101ClassesAnd3030Images()
    {
        var r = Cli.Run("data", "check", Path.Combine(Paths.SharedData!, "caltech101", "train"), "--header-only");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("3030 images in 101 classes", r.Stdout);
        Assert.Contains("no files skipped", r.Stdout);
    }

    [Fact]
    public void PlantedBadFilesAreListedWithTheirReason()
    {
        var root = Paths.TempDir();
        foreach (var cls in new[] { "a", "b" })
        {
            Directory.CreateDirectory(Path.Combine(root, cls));
            File.Copy(Path.Combine(Paths.Fixtures, "images", "plain.webp"), Path.Combine(root, cls, "ok.webp"));
        }
        File.WriteAllBytes(Path.Combine(root, "a", "zero.jpg"), []);
        File.WriteAllText(Path.Combine(root, "b", "fake.jpg"), "hello");
        var r = Cli.Run("data", "check", root);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("2 images in 2 classes", r.Stdout);
        Assert.Contains("2 of 4 files skipped", r.Stdout);
        Assert.Contains("zero.jpg: empty file", r.Stdout);
        Assert.Contains("fake.jpg: not a decodable image", r.Stdout);
    }

    [Fact]
    public void MissingFolderIsOneLineAndExitCode2()
    {
        var r = Cli.Run("data", "check", "/no/such/folder");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("error: /no/such/folder: folder not found", r.All.Trim());
    }

    [Fact]
    public void VersionAndHelpWork()
    {
        var v = Cli.Run("--version");
        Assert.Equal(0, v.ExitCode);
        Assert.Equal(Uft.UftInfo.Version, v.Stdout.Trim());
        var h = Cli.Run("--help");
        Assert.Equal(0, h.ExitCode);
        Assert.Contains("data", h.Stdout);
    }
}
