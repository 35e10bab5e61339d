using System.Diagnostics;

namespace Uft.Tests.Reliability;

/// <summary>A fact that watches a child's system calls with strace(1); skipped with the reason where strace is missing
/// or may not trace (no ptrace in the container).</summary>
public sealed class StraceFactAttribute : FactAttribute
{
    static readonly string? Unavailable = Probe();

    public StraceFactAttribute()
    {
        if (Unavailable is { } why) Skip = why;
    }

    static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "strace needs Linux";
        try
        {
            using var p = Process.Start(new ProcessStartInfo("strace", ["-f", "-o", "/dev/null", "true"]) { RedirectStandardError = true, UseShellExecute = false })!;
            string error = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 ? null : $"strace cannot trace here ({error.Trim()})";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "strace is not installed";
        }
    }
}
