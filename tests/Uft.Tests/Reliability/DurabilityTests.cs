using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Uft.Tests.Reliability;

/// <summary>
/// A test cannot cut the power, but it can watch the system calls that make files survive a power cut: a real
/// `uft finetune` under strace, where every rename into the run folder must come after an fsync of the renamed file and
/// be followed by an fsync of its folder, and every metrics.jsonl append by an fsync of the file. docs/reliability.md
/// says what survives a power cut at any moment.
/// </summary>
[Trait("Category", "Reliability")]
public sealed partial class DurabilityTests(ITestOutputHelper log) : IDisposable
{
    readonly string target = SmallRun.Target(16), output = Paths.TempDir();

    public void Dispose()
    {
        SmallRun.Delete(target);
        SmallRun.Delete(output);
    }

    [StraceFact]
    public void EveryRenameIsFsyncedBeforeAndItsFolderAfter()
    {
        string trace = Path.Combine(output, "strace.txt"), run = Path.Combine(output, "synced");
        var r = Cli.RunVia(["strace", "-f", "--seccomp-bpf", "-y", "-s", "4096", "-e", "trace=fsync,fdatasync,rename,renameat,renameat2", "-o", trace], null,
            SmallRun.Args(target, output, "synced", 2, "--checkpoint-every", "1"));
        Assert.True(r.ExitCode == 0, r.All);

        // Each line: "<pid> fsync(<fd></path>) = 0" or "<pid> rename("<from>", "<to>") = 0" (renameat2 names the folder fds).
        var events = File.ReadLines(trace).Select(l => (Fsync: FsyncLine().Match(l), Rename: RenameLine().Match(l))).ToList();
        // Files whose data is on the disk: fsynced, or renamed from such a file (the sidecar goes tmp -> name.next.json -> name.json).
        var synced = new HashSet<string>();
        var renamed = new List<string>();
        for (int i = 0; i < events.Count; i++)
        {
            if (events[i].Fsync.Success) synced.Add(events[i].Fsync.Groups["path"].Value);
            if (!events[i].Rename.Success) continue;
            string from = events[i].Rename.Groups["from"].Value, to = events[i].Rename.Groups["to"].Value;
            if (!to.StartsWith(run, StringComparison.Ordinal)) continue;
            Assert.True(synced.Remove(from), $"{from} renamed to {to} without an fsync of its data first");
            synced.Add(to);
            Assert.True(events.Skip(i + 1).Any(e => e.Fsync.Success && e.Fsync.Groups["path"].Value == Path.GetDirectoryName(to)),
                $"{to}: its folder is not fsynced after the rename");
            renamed.Add(Path.GetFileName(to));
        }
        log.WriteLine($"{renamed.Count} renames into the run folder, {events.Count(e => e.Fsync.Success)} fsyncs: {string.Join(", ", renamed)}");
        foreach (var name in new[] { "config.json", "run.json", "last.safetensors", "last.json", "epoch-0001.safetensors", "epoch-0002.json", "backbone.safetensors" })
            Assert.Contains(name, renamed);
        string metrics = Path.Combine(run, "metrics.jsonl");
        Assert.Equal(2, events.Count(e => e.Fsync.Success && e.Fsync.Groups["path"].Value == metrics));
    }

    // The strace test sees one run; this one sees every writer in the source: nothing writes, moves or creates a file
    // or folder except AtomicFile (and RunLock, whose .lock is never renamed).
    [Fact]
    public void NoSourceFileWritesAroundAtomicFile()
    {
        var offenders = Directory.GetFiles(Path.Combine(Paths.Repo, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && Path.GetFileName(f) is not ("AtomicFile.cs" or "RunLock.cs"))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => DirectWrite().IsMatch(x.line))
            .Select(x => $"{Path.GetRelativePath(Paths.Repo, x.f)}:{x.i + 1}: {x.line.Trim()}").ToList();
        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }

    [GeneratedRegex(@"(?<!Atomic)File\.(WriteAll\w*|Create|AppendAll\w*|OpenWrite|Move|Copy|Replace)\(|new FileStream\(|Directory\.CreateDirectory\(")]
    private static partial Regex DirectWrite();

    [GeneratedRegex(@"^\d+\s+f(?:data)?sync\(\d+<(?<path>[^>]*)>\)\s+=\s+0")]
    private static partial Regex FsyncLine();

    [GeneratedRegex(@"^\d+\s+rename(?:at2?)?\((?:[^""]*)""(?<from>[^""]*)"",\s*(?:[^""]*)""(?<to>[^""]*)""(?:, [^)]*)?\)\s+=\s+0")]
    private static partial Regex RenameLine();
}
