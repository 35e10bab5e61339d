using System.Diagnostics;
using System.Text;

namespace Uft.Tests.Reliability;

/// <summary>A `uft` child process (Uft.Cli.dll of the test output, as <see cref="Cli"/>) that a test can watch, signal and
/// kill while it runs: output is collected line by line, peak RSS (VmHWM) is sampled from /proc.</summary>
sealed class ChildRun : IDisposable
{
    readonly Process process;
    readonly StringBuilder output = new();
    readonly Timer rssSampler;
    long peakRssKb;

    public ChildRun(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // A shell starts a background job (`dotnet test ... &`) with SIGINT ignored, and a child inherits that: the
        // runtime then never installs its Ctrl-C handler and `kill -INT` does nothing. The child gets SIGINT's default
        // back, so that the signal tests do not depend on how the suite was started.
        if (SigIntIgnored)
        {
            psi.FileName = "env";
            psi.ArgumentList.Add("--default-signal=INT");
            psi.ArgumentList.Add("dotnet");
        }
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Uft.Cli.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["COLUMNS"] = "200";
        psi.Environment.Remove("UFT_FAULT");
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        rssSampler = new Timer(_ => SampleRss(), null, 0, 50);
    }

    public int Pid => process.Id;
    public bool HasExited => process.HasExited;
    public string Output { get { lock (output) return output.ToString(); } }
    /// <summary>Peak resident set of the child (kB), as last sampled from /proc/&lt;pid&gt;/status while it ran.</summary>
    public long PeakRssKb => Interlocked.Read(ref peakRssKb);

    /// <summary>Waits until the output contains <paramref name="text"/> or the process ends; true when the text came.</summary>
    public bool WaitFor(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Output.Contains(text, StringComparison.Ordinal)) return true;
            if (process.HasExited) return Output.Contains(text, StringComparison.Ordinal);
            Thread.Sleep(20);
        }
        return false;
    }

    /// <summary>Waits until <paramref name="condition"/> holds or the process ends; true when it held.</summary>
    public bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !process.HasExited)
        {
            if (condition()) return true;
            Thread.Sleep(10);
        }
        return false;
    }

    public int WaitForExit(TimeSpan timeout)
    {
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("uft did not finish in " + timeout + ":\n" + Output);
        }
        process.WaitForExit(); // drains the asynchronous output readers
        return process.ExitCode;
    }

    /// <summary>SIGKILL: no handler runs, nothing is flushed.</summary>
    public void Kill()
    {
        try { process.Kill(); } catch (InvalidOperationException) { }
        process.WaitForExit();
    }

    /// <summary>Sends a real signal with kill(1): INT is what Ctrl-C sends to the foreground process, TERM what
    /// `kill &lt;pid&gt;`, docker stop, systemd and batch schedulers send.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", [$"-{name}", process.Id.ToString()]);
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{name} {process.Id} failed");
    }

    /// <summary>Whether this process ignores SIGINT (bit 2 of SigIgn in /proc/self/status), which children inherit.</summary>
    public static bool SigIntIgnored { get; } = ReadSigIntIgnored();

    static bool ReadSigIntIgnored()
    {
        if (!OperatingSystem.IsLinux()) return false;
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (2 - 1))) != 0;
    }

    void SampleRss()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    long kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
                    long seen;
                    while (kb > (seen = Interlocked.Read(ref peakRssKb)) && Interlocked.CompareExchange(ref peakRssKb, kb, seen) != seen) { }
                }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException) { }
    }

    public void Dispose()
    {
        rssSampler.Dispose();
        if (!process.HasExited) Kill();
        process.Dispose();
    }
}
