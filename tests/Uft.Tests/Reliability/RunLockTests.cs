using System.Security.Cryptography;
using Uft.Reporting;
using Uft.Training;
using Xunit.Abstractions;

namespace Uft.Tests.Reliability;

/// <summary>
/// One writer per run folder (<see cref="RunLock"/>), with real processes: a second `finetune`, `finetune --resume` or
/// `compare` on a folder that a running `uft finetune` writes stops with one line naming the folder and the writer's
/// process id, exit code 2, and changes no file; the kernel frees the lock of a killed (SIGKILL) writer; readers (`eval`,
/// `report`) of a folder being written see only complete files.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class RunLockTests(ITestOutputHelper log) : IDisposable
{
    readonly string target = SmallRun.Target(32), output = Paths.TempDir();

    public void Dispose()
    {
        SmallRun.Delete(target);
        SmallRun.Delete(output);
    }

    [Fact]
    public void ASecondWriterStopsWithTheWritersPidAndWritesNothing()
    {
        // The run is arm "naive" of comparison "cmp", so that a `compare` meets it too.
        string parent = Path.Combine(output, "cmp"), run = Path.Combine(parent, "naive");
        var args = SmallRun.Args(target, parent, "naive", 3, "--checkpoint-every", "1");
        // The writer holds its lock and writes nothing for 60 s: after epoch 1's steps it waits before the monitor.
        using var writer = new ChildRun(new Dictionary<string, string> { ["UFT_FAULT"] = "sleep-monitor=60000" }, args);
        Assert.True(writer.WaitFor("epoch 1/", TimeSpan.FromMinutes(2)), writer.Output);
        var before = Snapshot(output);
        string expected = $"error: {run}: process {writer.Pid} is writing this run folder; wait for it to finish or stop it (kill {writer.Pid}), or choose another --name / --output";

        foreach (var second in new[]
        {
            args,
            [.. args, "--resume"],
            ["compare", "--train", Path.Combine(Paths.Demo, "train"), "--test", Path.Combine(Paths.Demo, "test"), "--arms", "naive",
             "--epochs", "1", "--image-size", "32", "--batch-size", "16", "--output", output, "--name", "cmp", "--trials", "1", "--kmeans-seeds", "1"],
        })
        {
            var r = Cli.Run(second);
            log.WriteLine($"{string.Join(' ', second[..2])}: exit {r.ExitCode}: {r.All}");
            Assert.Equal(2, r.ExitCode);
            Assert.Equal("", r.Stdout);
            Assert.Equal(expected, r.Stderr.Trim());
            Assert.Equal(before, Snapshot(output));
        }
        Assert.False(writer.HasExited, "the writer ran through the whole test");

        // SIGKILL (before its first checkpoint): the kernel frees the lock, and the next writer starts the run again.
        writer.Kill();
        var again = Cli.Run(args);
        Assert.True(again.ExitCode == 0, again.All);
        Assert.True(File.Exists(Path.Combine(run, "backbone.safetensors")));
    }

    [Fact]
    public void ReadersOfAFolderBeingWrittenSeeOnlyCompleteFiles()
    {
        string run = Path.Combine(output, "read");
        var first = Cli.Run(SmallRun.Args(target, output, "read", 1));
        Assert.True(first.ExitCode == 0, first.All);
        string backbone = Path.Combine(run, "backbone.safetensors");
        var old = File.ReadAllBytes(backbone);

        // A second epoch whose new backbone waits, complete in its temporary file, before the rename: the window in
        // which a reader could see a half-written file if the write were not atomic.
        var args = SmallRun.Args(target, output, "read", 2, "--resume");
        using var writer = new ChildRun(new Dictionary<string, string> { ["UFT_FAULT"] = "sleep-commit-backbone.safetensors=300000" }, args);
        Assert.True(writer.WaitUntil(() => Directory.GetFiles(run, ".backbone.safetensors.*.tmp").Length == 1, TimeSpan.FromMinutes(2)), writer.Output);
        string pending = Directory.GetFiles(run, ".backbone.safetensors.*.tmp")[0];
        var report = Cli.Run("report", run, "--output", Path.Combine(output, "report.html"));
        Assert.True(report.ExitCode == 0, report.All);
        var eval = Cli.Run("eval", "--backbone", run, "--train", Path.Combine(Paths.Demo, "train"), "--test", Path.Combine(Paths.Demo, "test"),
            "--protocols", "knn", "--image-size", "32", "--output", Path.Combine(output, "eval"));
        log.WriteLine(eval.All);
        Assert.True(eval.ExitCode == 0, eval.All);
        Assert.Equal(old, File.ReadAllBytes(backbone));
        Assert.True(File.Exists(pending), "the readers finished while the new backbone waited for its rename");

        // Killed between write and rename: the old backbone is intact; the next start removes the temporary file.
        writer.Kill();
        Assert.Equal(old, File.ReadAllBytes(backbone));
        var resumed = Cli.Run(args);
        Assert.True(resumed.ExitCode == 0, resumed.All);
        Assert.Empty(Directory.GetFiles(run, ".*.tmp", SearchOption.AllDirectories));
        Assert.NotEqual(old, File.ReadAllBytes(backbone));
    }

    [Fact]
    public void AReportLeavesOutAnIncompleteLastMetricsLine()
    {
        string run = Path.Combine(output, "torn");
        Directory.CreateDirectory(run);
        // A run being written, or cut off by a power failure, can end metrics.jsonl part-way through a line.
        File.WriteAllText(Path.Combine(run, "metrics.jsonl"), "{\"epoch\":1,\"step\":2,\"loss\":4.5,\"lr\":0.03}\n{\"epoch\":2,\"step\":4,\"lo");
        var curve = ReportRun.Load(run).Curve;
        Assert.Equal([1], curve.Select(p => p.Epoch));
    }

    [Fact]
    public void AnotherThreadOfTheSameProcessIsRefusedTheSameThreadReenters()
    {
        string folder = Path.Combine(output, "threads");
        using var held = RunLock.Acquire(folder);
        using (RunLock.Acquire(folder)) { } // a comparison holding an arm while its trainer trains there
        // A thread of its own (waiting on a Task may run it inline, on this thread).
        Exception? thrown = null;
        var other = new Thread(() => { try { RunLock.Acquire(folder).Dispose(); } catch (Exception x) { thrown = x; } });
        other.Start();
        other.Join();
        var e = Assert.IsType<UftException>(thrown);
        Assert.Equal($"{folder}: process {Environment.ProcessId} is writing this run folder; wait for it to finish or stop it (kill {Environment.ProcessId}), or choose another --name / --output", e.Message);
        Assert.True(e.IsUsage);
    }

    // Every file below the folder: path, length, modification time and SHA-256 (not of a held .lock, which .NET cannot
    // open while another process has it locked; its length and time say whether it changed).
    static List<string> Snapshot(string folder) =>
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => $"{f} {new FileInfo(f).Length} {File.GetLastWriteTimeUtc(f):O} " +
                         (Path.GetFileName(f) == RunLock.FileName ? "" : Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))))).ToList();
}
