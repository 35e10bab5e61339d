using Uft.Experiments;

namespace Uft.Tests.Experiments;

/// <summary>A comparison folder reuses finished arms, so it must refuse to mix arms made with other settings.</summary>
public class ComparisonSettingsTests
{
    [Fact]
    public void AFolderKeepsOneConfigurationButArmsMayBeAdded()
    {
        string root = Path.Combine(Path.GetTempPath(), "uft-cmp-" + Guid.NewGuid().ToString("N"));
        try
        {
            var first = new ComparisonConfig { Name = "c", OutputRoot = root, Train = "data/train", Test = "data/test", Epochs = 12, Arms = ["none", "naive"] };
            Comparison.CheckSettings(first);
            Assert.True(File.Exists(Path.Combine(first.Folder, Comparison.SettingsFile)));

            // The same settings, another arm and another worker count: the same comparison.
            Comparison.CheckSettings(first with { Arms = ["none", "naive", "scratch"], Workers = 1 });

            // Named as the user types them (issue 38), evaluation settings included.
            var e = Assert.Throws<UftException>(() => Comparison.CheckSettings(first with { Epochs = 20, FreezeBn = false, Eval = new() { ProbeTrials = 3, Seed = 2 } }));
            Assert.Contains("--epochs 12 -> 20", e.Message);
            Assert.Contains("--bn (true = keep) default -> false", e.Message);
            Assert.Contains("--trials default -> 3", e.Message);
            Assert.Contains("--eval-seed 0 -> 2", e.Message);
            Assert.Contains("--fresh", e.Message);

            // A folder with arms but no recorded settings (an earlier version made it) cannot be checked.
            var legacy = first with { Name = "legacy" };
            Directory.CreateDirectory(Path.Combine(legacy.Folder, "naive"));
            Assert.Contains("recorded no settings", Assert.Throws<UftException>(() => Comparison.CheckSettings(legacy)).Message);
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }
}
