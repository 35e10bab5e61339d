using System.Diagnostics;

namespace Uft.Tests.Reliability;

/// <summary>Runs `uft` as an ordinary user, for which a mode-000 file is really unreadable (root reads it anyway):
/// directly when the tests do not run as root, else as nobody (65534) through setpriv(1).</summary>
static class OrdinaryUser
{
    const string Nobody = "65534";

    public static bool TestsRunAsRoot { get; } = Environment.UserName == "root";

    static readonly string[] AsNobody = ["setpriv", $"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups", "env", "HOME=/tmp", "DOTNET_CLI_HOME=/tmp"];

    /// <summary>Null when <see cref="Run"/> can run the CLI as an ordinary user; else why not (a skip reason).</summary>
    public static string? Unavailable { get; } = Probe();

    public static Cli.Result Run(params string[] args) => Cli.RunVia(TestsRunAsRoot ? AsNobody : [], null, args);

    static string? Probe()
    {
        if (!TestsRunAsRoot) return null;
        try
        {
            // nobody must reach the dotnet host and every folder above the test output's Uft.Cli.dll.
            using var p = Process.Start(new ProcessStartInfo("setpriv", [$"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups", "sh", "-c", $"command -v dotnet >/dev/null && test -r '{Cli.Dll}'"])
                { RedirectStandardError = true, UseShellExecute = false })!;
            p.WaitForExit();
            return p.ExitCode == 0 ? null : $"the tests run as root and nobody cannot run dotnet or read {Cli.Dll} (a folder above it closed to others?)";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "the tests run as root and setpriv (util-linux) is not installed, so mode-000 files cannot be made unreadable";
        }
    }
}
