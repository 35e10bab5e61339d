using System.Diagnostics;

namespace Uft.Tests;

/// <summary>Runs the real `uft` executable (Uft.Cli.dll from the test output folder) as a child process.</summary>
static class Cli
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string All => Stdout + Stderr;
    }

    public static Result Run(params string[] args) => RunIn(null, args);

    public static Result RunIn(string? workingDir, params string[] args) => RunVia([], workingDir, args);

    /// <summary>The executable of the tests' output folder, Uft.Cli.dll.</summary>
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "Uft.Cli.dll");

    /// <summary>Runs `<paramref name="prefix"/> dotnet Uft.Cli.dll args`, e.g. with a prefix that changes the user.</summary>
    public static Result RunVia(IReadOnlyList<string> prefix, string? workingDir, params string[] args)
    {
        var psi = new ProcessStartInfo(prefix.Count > 0 ? prefix[0] : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (prefix.Count > 0) foreach (var word in prefix.Skip(1).Append("dotnet")) psi.ArgumentList.Add(word);
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (workingDir is not null) psi.WorkingDirectory = workingDir;
        psi.Environment["COLUMNS"] = "200";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2))) { p.Kill(true); throw new TimeoutException("uft " + string.Join(' ', args)); }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
