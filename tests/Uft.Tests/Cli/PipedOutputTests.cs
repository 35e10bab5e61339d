using Uft.Evaluation;
using Uft.Models;
using Uft.Pretrained;

namespace Uft.Tests.Commands;

/// <summary>Output that goes to a log, CI or `| tee` (stdout is a pipe in these tests, as there): Spectre would wrap at
/// 80 columns; messages must stay one line each and tables must be Markdown rows that are not broken (issue 17).</summary>
public class PipedOutputTests
{
    /// <summary>The cells of a Markdown table row "| a | b |", trimmed; null for any other line.</summary>
    static string[]? Cells(string line) =>
        line.StartsWith("| ", StringComparison.Ordinal) && line.EndsWith(" |", StringComparison.Ordinal)
            ? line[1..^1].Split('|').Select(c => c.Trim()).ToArray()
            : null;

    static string[] Lines(string output) => output.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();

    [Fact]
    public void BackbonesTableIsMarkdownWithUnbrokenRowsAndTheNoteIsOneLine()
    {
        var r = Cli.Run("backbones");
        Assert.Equal(0, r.ExitCode);
        var lines = Lines(r.Stdout);
        Assert.Equal(["name", "architecture", "features", "weights", "status"], Cells(lines[0]) ?? []);
        Assert.Matches(@"^\| -+ \| -+ \| -+ \| -+ \| -+ \|$", lines[1]);
        // Each backbone is one row with all its cells whole; the longest cell (over 80 characters) included.
        foreach (var b in Backbones.All)
            Assert.Contains(lines, l => Cells(l) is { } c && c.SequenceEqual([b.Name, b.Architecture, b.FeatureDim.ToString(), b.Weights, b.Status]));
        Assert.Contains(Backbones.All, b => b.Weights.Length > 80);
        Assert.Contains("Any --backbone also takes a file: a UFT backbone.safetensors, a torchvision ResNet state dict or a MoCo checkpoint (.pth, .pth.tar: torch.save zip or pre-1.6 format, read without Python).", lines);
        Assert.DoesNotContain(lines, l => l.Length > 0 && l.Trim().Length == 0); // no padding-only lines
    }

    [Fact]
    public void CompareNoticeIsOneLineAndItsTableNamesMetricsAsTheReportDoes()
    {
        // Six labelled images a split, and the arm as shipped only: a few seconds. The second run reuses the first's
        // evaluation and says so in a notice naming a path well over 80 characters (with brackets, which are not markup).
        string dir = Paths.TempDir();
        foreach (var (split, n) in new[] { ("train", 4), ("test", 2) })
            foreach (var cls in new[] { "bonsai", "brain" })
            {
                Directory.CreateDirectory(Path.Combine(dir, split, cls));
                foreach (var f in Directory.GetFiles(Path.Combine(Paths.Demo, split, cls)).Order().Take(n))
                    File.Copy(f, Path.Combine(dir, split, cls, Path.GetFileName(f)));
            }
        string output = Path.Combine(dir, "runs [piped] " + new string('x', 80));
        string[] args = ["compare", "--train", Path.Combine(dir, "train"), "--test", Path.Combine(dir, "test"), "--arms", "none",
            "--image-size", "32", "--shots", "1", "--trials", "1", "--kmeans-seeds", "2", "--tsne-points", "0", "--output", output];
        var first = Cli.Run(args);
        Assert.True(first.ExitCode == 0, first.All);
        string resultsFile = Path.Combine(output, "compare", "results.md");
        string ArmRow() => File.ReadAllLines(resultsFile).First(l => l.StartsWith("| none |", StringComparison.Ordinal));
        string firstRow = ArmRow();
        var second = Cli.Run(args);
        Assert.True(second.ExitCode == 0, second.All);
        // The reused arm keeps the train and eval seconds it ran in (they were printed as 0 s; issue 36).
        Assert.Equal(firstRow, ArmRow());
        Assert.Matches(@"\| 0 \| [1-9]\d* \|$", firstRow);

        var lines = Lines(second.Stdout);
        Assert.Contains($"none: already evaluated, reusing {Path.Combine(output, "compare", "none", "eval.json")}", lines);
        Assert.Contains(lines, l => l.StartsWith("results: " + Path.Combine(output, "compare", "results.md"), StringComparison.Ordinal));
        // Rows named by EvalMetrics.Describe, as report.html names them; the eval.json keys do not appear.
        foreach (var metric in new[] { EvalMetrics.Retrieval, EvalMetrics.ClusteringPrecision, EvalMetrics.ProbeMeanClass(1) })
        {
            // A number, or mean ± std where the metric is several measurements (clustering: K-means from 5 seeds).
            Assert.Contains(lines, l => Cells(l) is [var name, var value] && name == EvalMetrics.Describe(metric) && double.TryParse(value.Split(" ± ")[0], out _));
            Assert.DoesNotContain(metric, second.Stdout);
        }
        Assert.Contains(lines, l => Cells(l) is ["metric", "as shipped"]);
    }
}
