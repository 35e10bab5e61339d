using System.Text.Json.Nodes;
using Uft.Tests.Reliability;

namespace Uft.Tests.Training;

/// <summary>Cached views are the default where stages are frozen (issue 40): config.json records the views a run trained
/// with, so a resume keeps them; a default cache that would not fit gives way to fresh views and says so, where one asked
/// for is refused in one line.</summary>
public sealed class DefaultViewsCliTests : IDisposable
{
    readonly string target = SmallRun.Target(16), output = Paths.TempDir();

    string[] Args(string name, params string[] more) =>
    [
        "finetune", "--target", target, "--preset", "naive", "--backbone", "resnet18", "--epochs", "1", "--image-size", "32",
        "--batch-size", "16", "--workers", "1", "--name", name, "--output", output, .. more,
    ];

    int? RecordedViews(string name) => (int?)JsonNode.Parse(File.ReadAllText(Path.Combine(output, name, "config.json")))!["cachedViews"];

    [Fact]
    public void AFinetuneOfFrozenStagesCachesEightViewsAndRecordsThem()
    {
        var r = Cli.Run(Args("default"));
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("view cache: 8 views of each of the 16 images through the stem and layer1-3, kept as fp16 (256 KB)", r.All);
        Assert.Equal(8, RecordedViews("default"));

        var fresh = Cli.Run(Args("fresh", "--cached-views", "0"));
        Assert.True(fresh.ExitCode == 0, fresh.All);
        Assert.DoesNotContain("view cache", fresh.All);
        Assert.Equal(0, RecordedViews("fresh"));

        // Every stage training: nothing is frozen, so nothing can be cached, and the default asks for nothing.
        var whole = Cli.Run(Args("whole", "--freeze-stages", "0"));
        Assert.True(whole.ExitCode == 0, whole.All);
        Assert.DoesNotContain("view cache", whole.All);
        Assert.Equal(0, RecordedViews("whole"));
    }

    [Fact]
    public void ADefaultCacheThatDoesNotFitGivesWayToFreshViewsWhereOneAskedForIsRefused()
    {
        // 8 views of 16 images at 32 px are layer3 maps of 2x2x256 in fp16: 256 KB, more than half of a 256 KB machine.
        var small = new Dictionary<string, string?> { ["UFT_FAULT"] = "memory=262144" };
        var r = Cli.RunWith(small, Args("default"));
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("view cache: 8 views of 16 images at 32 px need 256 KB of memory, more than half of the 256 KB here; " +
                        "every step takes fresh views instead (slower epochs; --cached-views 2 to 7 caches fewer)", r.All);
        Assert.Equal(0, RecordedViews("default"));

        var asked = Cli.RunWith(small, Args("asked", "--cached-views", "8"));
        Assert.Equal(2, asked.ExitCode);
        Assert.Equal("error: --cached-views 8: 8 views of 16 images at 32 px need 256 KB of memory, more than half of the 256 KB here; " +
                     "give fewer views or a smaller --image-size, or --cached-views 0", asked.All.Trim());
        Assert.False(File.Exists(Path.Combine(output, "asked", "config.json")));
    }

    [Fact]
    public void ARunFromBeforeTheViewCacheResumesOnFreshViews()
    {
        // Its config.json has no cachedViews key: it trained on fresh views, and must not take today's default halfway.
        var r = Cli.Run(Args("old", "--cached-views", "0"));
        Assert.True(r.ExitCode == 0, r.All);
        string file = Path.Combine(output, "old", "config.json");
        var config = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        Assert.True(config.Remove("cachedViews"));
        File.WriteAllText(file, config.ToJsonString());

        var resumed = Cli.Run("finetune", "--name", "old", "--output", output, "--resume", "--epochs", "2");
        Assert.True(resumed.ExitCode == 0, resumed.All);
        Assert.DoesNotContain("view cache", resumed.All);
        Assert.Equal(0, RecordedViews("old"));
        Assert.Equal(2, SmallRun.Metrics(Path.Combine(output, "old")).Count);
    }

    public void Dispose()
    {
        SmallRun.Delete(target);
        SmallRun.Delete(output);
    }
}
