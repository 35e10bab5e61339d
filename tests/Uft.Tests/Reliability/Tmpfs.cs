using System.Diagnostics;

namespace Uft.Tests.Reliability;

/// <summary>A small tmpfs mounted on a new folder: a real full disk (ENOSPC) for the tests. Needs root (or
/// CAP_SYS_ADMIN); <see cref="Unavailable"/> says why not otherwise.</summary>
sealed class Tmpfs : IDisposable
{
    public string Path { get; }

    public Tmpfs(int megabytes)
    {
        Path = Paths.TempDir();
        var (code, output) = Exec("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", Path);
        if (code != 0) throw new InvalidOperationException($"mount -t tmpfs {Path}: {output}");
    }

    /// <summary>Null when a tmpfs can be mounted here; else why not (a skip reason).</summary>
    public static string? Unavailable { get; } = Probe();

    static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "a tmpfs needs Linux";
        if (Environment.UserName != "root") return "mounting a tmpfs needs root";
        try
        {
            using var probe = new Tmpfs(1);
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return $"cannot mount a tmpfs ({e.Message.Trim()})";
        }
    }

    static (int Code, string Output) Exec(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false })!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }

    public void Dispose()
    {
        Exec("umount", Path);
        SmallRun.Delete(Path);
    }
}
