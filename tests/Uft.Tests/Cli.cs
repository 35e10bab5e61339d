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

    public static Result RunIn(string? workingDir, params string[] args) => Start([], workingDir, null, args);

    /// <summary>Runs with these environment variables set (a null value removes the variable).</summary>
    public static Result RunWith(IReadOnlyDictionary<string, string?> environment, params string[] args) => Start([], null, environment, args);

    /// <summary>The executable of the tests' output folder, Uft.Cli.dll.</summary>
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "Uft.Cli.dll");

    /// <summary>Runs `<paramref name="prefix"/> dotnet Uft.Cli.dll args`, e.g. with a prefix that changes the user.</summary>
    public static Result RunVia(IReadOnlyList<string> prefix, string? workingDir, params string[] args) => Start(prefix, workingDir, null, args);

    static Result Start(IReadOnlyList<string> prefix, string? workingDir, IReadOnlyDictionary<string, string?>? environment, string[] args)
    {
        var psi = new ProcessStartInfo(prefix.Count > 0 ? prefix[0] : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (prefix.Count > 0) foreach (var word in prefix.Skip(1).Append("dotnet")) psi.ArgumentList.Add(word);
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (workingDir is not null) psi.WorkingDirectory = workingDir;
        psi.Environment["COLUMNS"] = "200";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            if (value is null) psi.Environment.Remove(name); else psi.Environment[name] = value;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        // A guard against a hang, not a speed check: a loaded machine running the suite in parallel is slow.
        if (!p.WaitForExit(TimeSpan.FromMinutes(10))) { p.Kill(true); throw new TimeoutException("uft " + string.Join(' ', args)); }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
