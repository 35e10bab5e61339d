using System.Text.RegularExpressions;
using Uft.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Uft.Tests.Reliability;

/// <summary>
/// Damaged checkpoints, a failing checkpoint write (a full disk) and non-finite losses, through the CLI. Each test works
/// on its own copy of one finished 2-epoch run (checkpoints last, epoch-0001, epoch-0002).
/// </summary>
[Trait("Category", "Reliability")]
public sealed class CheckpointFaultTests(CheckpointFaultTests.FinishedRun finished, ITestOutputHelper log) : IClassFixture<CheckpointFaultTests.FinishedRun>
{
    public sealed class FinishedRun : IDisposable
    {
        public string Target { get; } = SmallRun.Target(32);
        public string Output { get; } = Paths.TempDir();

        public FinishedRun()
        {
            var r = Cli.Run(SmallRun.Args(Target, Output, "base", 2, "--checkpoint-every", "1"));
            if (r.ExitCode != 0) throw new InvalidOperationException("base run failed: " + r.All);
        }

        public void Dispose()
        {
            SmallRun.Delete(Output);
            SmallRun.Delete(Target);
        }
    }

    // A copy of the finished run under a new output folder; returns (output, run folder).
    (string Output, string Run) Copy()
    {
        string output = Paths.TempDir();
        string run = Path.Combine(output, "base");
        foreach (var f in Directory.GetFiles(Path.Combine(finished.Output, "base"), "*", SearchOption.AllDirectories))
        {
            string to = Path.Combine(run, Path.GetRelativePath(Path.Combine(finished.Output, "base"), f));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(f, to);
        }
        return (output, run);
    }

    Cli.Result Resume(string output, int epochs, IReadOnlyDictionary<string, string>? env = null)
    {
        using var child = new ChildRun(env, SmallRun.Args(finished.Target, output, "base", epochs, "--resume"));
        int code = child.WaitForExit(TimeSpan.FromMinutes(2));
        log.WriteLine(child.Output);
        return new Cli.Result(code, child.Output, "");
    }

    static string Ckpt(string run, string name) => Path.Combine(run, "checkpoints", name);

    [Fact]
    public void CorruptTruncatedOrForeignCheckpointsAreNamedAndResumeFallsBackToTheNewestGood()
    {
        var (output, run) = Copy();
        try
        {
            // last: one flipped byte. epoch-0002: cut in half. Resume falls back to epoch-0001 and trains epoch 2 again.
            var bytes = File.ReadAllBytes(Ckpt(run, "last.safetensors"));
            bytes[bytes.Length / 2] ^= 0x10;
            File.WriteAllBytes(Ckpt(run, "last.safetensors"), bytes);
            using (var f = File.OpenWrite(Ckpt(run, "epoch-0002.safetensors"))) f.SetLength(f.Length / 2);
            var r = Resume(output, 2);
            Assert.True(r.ExitCode == 0, r.All);
            Assert.Contains($"{Ckpt(run, "last.safetensors")}: checksum does not match last.json; the file is corrupt, truncated or from another checkpoint; trying an older checkpoint", r.All);
            Assert.Contains($"{Ckpt(run, "epoch-0002.safetensors")}: checksum does not match epoch-0002.json", r.All);
            Assert.Contains($"resumed from {Ckpt(run, "epoch-0001.safetensors")}: 1 of 2 epochs done", r.All);
            Assert.Equal([1, 2], SmallRun.Metrics(run).Select(m => m.Epoch));
            SmallRun.AssertSameRun(Path.Combine(finished.Output, "base"), run);
            Assert.Equal(2, SmallRun.LoadEveryCheckpoint(Path.Combine(run, "checkpoints"))); // the damaged ones were rewritten

            // A foreign pair: last.safetensors with the sidecar of epoch-0001.
            File.Copy(Ckpt(run, "epoch-0001.json"), Ckpt(run, "last.json"), overwrite: true);
            r = Resume(output, 2);
            Assert.True(r.ExitCode == 0, r.All);
            Assert.Contains($"{Ckpt(run, "last.safetensors")}: checksum does not match last.json", r.All);
            Assert.Contains($"resumed from {Ckpt(run, "epoch-0002.safetensors")}: 2 of 2 epochs done", r.All);

            // Nothing loads: one notice per file, then one error line, exit 1.
            foreach (var name in new[] { "last", "epoch-0001", "epoch-0002" })
                File.WriteAllText(Ckpt(run, name + ".json"), "{ not json");
            r = Resume(output, 2);
            Assert.Equal(1, r.ExitCode);
            foreach (var name in new[] { "last", "epoch-0001", "epoch-0002" })
                Assert.Contains($"{Ckpt(run, name + ".json")}: not a valid checkpoint sidecar (JSON); trying an older checkpoint", r.All);
            Assert.EndsWith($"error: {Path.Combine(run, "checkpoints")}: no checkpoint could be loaded; start the run again without --resume", r.All.Trim());
        }
        finally { SmallRun.Delete(output); }
    }

    [Fact]
    public void AFailedCheckpointWriteStopsWithAClearMessageAndKeepsThePreviousCheckpoint()
    {
        var (output, run) = Copy();
        try
        {
            var r = Resume(output, 3, new Dictionary<string, string> { ["UFT_FAULT"] = "io-error-checkpoint" });
            Assert.Equal(1, r.ExitCode);
            string error = r.All.Trim().Split('\n')[^1];
            // ResNet-18 MoCo: two encoders and the momentum buffers, 3 x 11.2 M floats and the queue, 132 MB.
            Assert.Matches($@"^error: {Regex.Escape(Path.Combine(run, "checkpoints"))}: could not write the checkpoint of epoch 3 \(No space left on device \(injected by UFT_FAULT=io-error-checkpoint\)\); " +
                @"it needs 132 MB free, \d+ MB are; the previous checkpoint is intact\. Free disk space \(or move the run folder to a bigger disk\) and rerun with --resume$", error);
            var (tensors, info) = Checkpoint.Load(Ckpt(run, "last.safetensors"));
            foreach (var t in tensors.Values) t.Dispose();
            Assert.Equal(2, info.Epoch);
            Assert.Empty(Directory.GetFiles(Path.Combine(run, "checkpoints"), ".*.tmp"));
            Assert.Empty(Directory.GetFiles(Path.Combine(run, "checkpoints"), "*.next.json"));
            Assert.Equal([1, 2], SmallRun.Metrics(run).Select(m => m.Epoch)); // epoch 3 never reached metrics.jsonl without its checkpoint

            // With space again, the resume trains epoch 3.
            r = Resume(output, 3);
            Assert.True(r.ExitCode == 0, r.All);
            Assert.Equal([1, 2, 3], SmallRun.Metrics(run).Select(m => m.Epoch));
        }
        finally { SmallRun.Delete(output); }
    }

    [Fact]
    public void ANaNLossStopsAtItsStepAndKeepsTheLastGoodCheckpoint()
    {
        var (output, run) = Copy();
        try
        {
            // Steps are counted from 0 over the run: epoch 3 holds steps 4 and 5.
            var r = Resume(output, 3, new Dictionary<string, string> { ["UFT_FAULT"] = "nan-loss@5" });
            Assert.Equal(1, r.ExitCode);
            Assert.EndsWith($"error: step 5 (epoch 3): the loss or a gradient is NaN/Inf; the last good checkpoint is kept in {Path.Combine(run, "checkpoints")}. Lower --lr, or pass --skip-nonfinite to skip such batches", r.All.Trim());
            var (tensors, info) = Checkpoint.Load(Ckpt(run, "last.safetensors"));
            Assert.Equal(2, info.Epoch);
            Assert.All(tensors, kv => Assert.True(!kv.Value.is_floating_point() || kv.Value.isfinite().all().item<bool>(), kv.Key));
            foreach (var t in tensors.Values) t.Dispose();
        }
        finally { SmallRun.Delete(output); }
    }

    [Fact]
    public void SkipNonFiniteSkipsTheBatchAndFinishes()
    {
        string output = Paths.TempDir();
        try
        {
            using var child = new ChildRun(new Dictionary<string, string> { ["UFT_FAULT"] = "nan-loss@2" },
                SmallRun.Args(finished.Target, output, "skip", 2, "--skip-nonfinite"));
            Assert.True(child.WaitForExit(TimeSpan.FromMinutes(2)) == 0, child.Output);
            Assert.Contains("step 2: NaN/Inf loss or gradient, batch skipped", child.Output);
            var metrics = SmallRun.Metrics(Path.Combine(output, "skip"));
            Assert.Equal([0, 1], metrics.Select(m => m.SkippedBatches));
            Assert.All(metrics, m => Assert.True(double.IsFinite(m.Loss)));
            using var scope = NewDisposeScope();
            Assert.All(Uft.Interop.SafeTensors.Load(Path.Combine(output, "skip", "backbone.safetensors")),
                kv => Assert.True(!kv.Value.is_floating_point() || kv.Value.isfinite().all().item<bool>(), kv.Key));
        }
        finally { SmallRun.Delete(output); }
    }

    [Fact]
    public void AnLrOf1e30StopsWithTheStepNumber()
    {
        string output = Paths.TempDir();
        try
        {
            var r = Cli.Run(SmallRun.Args(finished.Target, output, "huge-lr", 1, "--lr", "1e30"));
            log.WriteLine(r.All);
            Assert.Equal(1, r.ExitCode);
            Assert.Matches(@"error: step \d+ \(epoch 1\): the loss or a gradient is NaN/Inf; the last good checkpoint is kept in .*Lower --lr, or pass --skip-nonfinite", r.All.Trim().Split('\n')[^1]);
        }
        finally { SmallRun.Delete(output); }
    }
}
