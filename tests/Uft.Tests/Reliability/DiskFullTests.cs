using System.Text.RegularExpressions;
using Uft.Training;
using Xunit.Abstractions;

namespace Uft.Tests.Reliability;

/// <summary>
/// A real full disk: the run folder on a 300 MB tmpfs, where the first epoch's checkpoints fit (last + epoch-0001, 132 MB
/// each) and the second epoch's new `last` does not. The run stops with one line naming the folder and the space it
/// needed, the last good checkpoint loads, and the folder moved to a bigger disk resumes to the uninterrupted result.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class DiskFullTests(UninterruptedRun reference, ITestOutputHelper log) : IClassFixture<UninterruptedRun>
{
    [TmpfsFact]
    public void AFullDiskStopsWithOneLineAndTheRunResumesOnABiggerDisk()
    {
        using var disk = new Tmpfs(300);
        string bigger = Paths.TempDir();
        try
        {
            string run = Path.Combine(disk.Path, "full"), checkpoints = Path.Combine(run, "checkpoints");
            var args = SmallRun.Args(reference.Target, disk.Path, "full", UninterruptedRun.Epochs, "--checkpoint-every", "1");
            var r = Cli.Run(args);
            log.WriteLine(r.All);
            Assert.Equal(1, r.ExitCode);
            Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Matches($@"^error: {Regex.Escape(checkpoints)}: could not write the checkpoint of epoch 2 \(No space left on device[^)]*\); " +
                @"it needs 132 MB free, \d+ MB are; the previous checkpoint is intact\. Free disk space \(or move the run folder to a bigger disk\) and rerun with --resume$",
                r.Stderr.Trim());
            var (tensors, info) = Checkpoint.Load(Path.Combine(checkpoints, "last.safetensors"));
            foreach (var t in tensors.Values) t.Dispose();
            Assert.Equal(1, info.Epoch);
            Assert.Empty(Directory.GetFiles(checkpoints, ".*.tmp"));
            Assert.Equal([1], SmallRun.Metrics(run).Select(m => m.Epoch));

            // The folder moved to a bigger disk, then resumed there: the same run as the uninterrupted one.
            string moved = Path.Combine(bigger, "full");
            foreach (var f in Directory.GetFiles(run, "*", SearchOption.AllDirectories))
            {
                string to = Path.Combine(moved, Path.GetRelativePath(run, f));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(f, to);
            }
            var resumed = Cli.Run(SmallRun.Args(reference.Target, bigger, "full", UninterruptedRun.Epochs, "--checkpoint-every", "1", "--resume"));
            log.WriteLine(resumed.All);
            Assert.True(resumed.ExitCode == 0, resumed.All);
            Assert.Contains($"resumed from {Path.Combine(moved, "checkpoints", "last.safetensors")}: 1 of 3 epochs done", resumed.Stdout);
            SmallRun.AssertSameRun(reference.Run, moved);
        }
        finally { SmallRun.Delete(bigger); }
    }
}
