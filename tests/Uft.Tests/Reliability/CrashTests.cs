using Uft.Training;
using Xunit.Abstractions;

namespace Uft.Tests.Reliability;

/// <summary>
/// SIGKILL at random moments of a real `uft finetune` process (during a step, while a checkpoint is written, during the
/// monitor), each time followed by --resume: every checkpoint on disk must load, no epoch that reached metrics.jsonl may
/// be lost, and the finished run must equal an uninterrupted one (same seed). The always-on test kills 3 times; the
/// ReliabilityLong one (UFT_RELIABILITY_LONG=1) 12 times (see docs/reliability.md).
/// </summary>
[Trait("Category", "Reliability")]
public sealed class CrashTests(UninterruptedRun reference, ITestOutputHelper log) : IClassFixture<UninterruptedRun>
{
    enum Moment { Step, Checkpoint, Monitor }

    [Fact]
    public void ThreeKillsLoseNoWork() => KillAndResume(kills: 3, seed: 1);

    [LongFact]
    [Trait("Category", "ReliabilityLong")]
    public void TwelveKillsLoseNoWork() => KillAndResume(kills: 12, seed: 2);

    // The signal tests share the reference run: they live here too. SIGINT is Ctrl-C; SIGTERM is `kill <pid>`, docker
    // stop, systemd and a batch scheduler's preemption, which used to end the run at once and lose the epoch's steps.
    [Theory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    public void ASignalFinishesTheStepWritesACheckpointAndResumes(string signal, int exitCode)
    {
        string output = Paths.TempDir();
        try
        {
            string name = "sig" + signal.ToLowerInvariant(), run = Path.Combine(output, name);
            var args = SmallRun.Args(reference.Target, output, name, UninterruptedRun.Epochs, "--checkpoint-every", "1");
            // 6 steps in all: 1 s a step leaves the interrupt seconds to land even when the suite loads the machine.
            string childOutput;
            using (var child = new ChildRun(new Dictionary<string, string> { ["UFT_FAULT"] = "sleep-step=1000" }, args))
            {
                Assert.True(child.WaitFor("epoch 1/", TimeSpan.FromMinutes(2)), child.Output);
                Thread.Sleep(500);
                child.Signal(signal);
                int code = child.WaitForExit(TimeSpan.FromMinutes(2));
                childOutput = child.Output;
                log.WriteLine(childOutput);
                Assert.Equal(exitCode, code);
                Assert.Contains($"stopping after the current step ({(signal == "INT" ? "Ctrl-C" : "SIGTERM")} again to quit at once)", child.Output);
                Assert.Matches(@"stopped at step \d+ \(epoch \d\); checkpoint written\. Continue with --resume", child.Output);
            }
            var (tensors, info) = Checkpoint.Load(Path.Combine(run, "checkpoints", "last.safetensors"));
            foreach (var t in tensors.Values) t.Dispose();
            log.WriteLine($"SIG{signal} checkpoint: epoch {info.Epoch}, step {info.Step}, part epoch: {info.Partial is not null}");
            Assert.True(info.Step >= 2, "the signal came after epoch 1");
            // The checkpoint is at the step the signal interrupted, not at the last epoch end: no step is lost.
            Assert.Matches($@"stopped at step {info.Step} \(epoch {info.Epoch + 1}\)", childOutput);
            var resumed = Cli.Run([.. args, "--resume"]);
            Assert.True(resumed.ExitCode == 0, resumed.All);
            Assert.Contains($"resumed from", resumed.Stdout);
            SmallRun.AssertSameRun(reference.Run, run);
        }
        finally { SmallRun.Delete(output); }
    }

    void KillAndResume(int kills, int seed)
    {
        var rng = new Random(seed);
        string output = Paths.TempDir();
        try
        {
            string run = Path.Combine(output, "killed");
            string checkpoints = Path.Combine(run, "checkpoints");
            var args = SmallRun.Args(reference.Target, output, "killed", UninterruptedRun.Epochs, "--checkpoint-every", "1");
            // Sleeps stretch the checkpoint write (each of its 4 stages) and the monitor so that kills land there; they do not change any number.
            var faults = new Dictionary<string, string> { ["UFT_FAULT"] = "sleep-checkpoint=150,sleep-monitor=500" };
            int done = 0, newest = 0, starts = 0;
            var landed = new List<string>();
            bool Resumable() => Directory.Exists(checkpoints) && Directory.GetFiles(checkpoints, "*.safetensors").Length > 0;
            while (done < kills)
            {
                bool resume = Resumable();
                var moment = (Moment)(done % 3);
                using var child = new ChildRun(faults, resume ? [.. args, "--resume"] : args);
                starts++;
                bool hit = moment switch
                {
                    Moment.Step => child.WaitFor("→", TimeSpan.FromMinutes(1)) && Sleep(rng.Next(200, 2500)),
                    Moment.Checkpoint => child.WaitUntil(() => Writing(checkpoints), TimeSpan.FromMinutes(1)) && Sleep(rng.Next(0, 450)),
                    _ => child.WaitFor($"epoch ", TimeSpan.FromMinutes(1)) && Sleep(rng.Next(50, 400)),
                };
                if (child.HasExited)
                {
                    // Finished before the moment came: too few kills for this test's count.
                    Assert.Fail($"the run finished after {done} kills, before kill {done + 1} ({moment}); output:\n{child.Output}");
                }
                bool writing = Writing(checkpoints);
                child.Kill();
                done++;

                int afterKill = SmallRun.LoadEveryCheckpoint(checkpoints);
                int reported = SmallRun.Metrics(run).Select(m => m.Epoch).DefaultIfEmpty(0).Max();
                Assert.True(afterKill >= reported, $"kill {done}: metrics.jsonl reports epoch {reported}, the newest checkpoint has {afterKill}");
                Assert.True(afterKill >= newest, $"kill {done}: the newest checkpoint went back from epoch {newest} to {afterKill}");
                newest = afterKill;
                landed.Add($"{moment}{(writing ? " (checkpoint files in flight)" : "")}: checkpoint at epoch {afterKill}");
            }
            var last = Cli.Run(Resumable() ? [.. args, "--resume"] : args);
            Assert.True(last.ExitCode == 0, last.All);
            Assert.Empty(Directory.GetFiles(checkpoints, ".*.tmp"));
            SmallRun.LoadEveryCheckpoint(checkpoints);
            SmallRun.AssertSameRun(reference.Run, run);
            log.WriteLine($"{kills} kills over {starts} starts: {string.Join(", ", landed)}");
        }
        finally { SmallRun.Delete(output); }
    }

    // A checkpoint write is in progress: its temporary tensor file or its not yet renamed sidecar exists.
    static bool Writing(string checkpoints) =>
        Directory.Exists(checkpoints) && (Directory.GetFiles(checkpoints, ".*.tmp").Length > 0 || Directory.GetFiles(checkpoints, "*.next.json").Length > 0);

    static bool Sleep(int ms)
    {
        Thread.Sleep(ms);
        return true;
    }
}
