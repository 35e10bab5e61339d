namespace Uft.Tests.Commands;

/// <summary>
/// `uft info` says which gen0 budget the process runs with: the runtime reads DOTNET_GCgen0size from the environment
/// only, so an installed tool (no ./uft wrapper) runs with the default unless the user exports it.
/// </summary>
public class InfoCliTests
{
    [Fact]
    public void InfoShowsTheGen0BudgetFromTheEnvironment()
    {
        var set = Cli.RunWith(new Dictionary<string, string?> { ["DOTNET_GCgen0size"] = "0x10000000" }, "info");
        Assert.Equal(0, set.ExitCode);
        Assert.Matches(@"GC gen0 budget\s*[│|]\s*256 MB \(DOTNET_GCgen0size=0x10000000\)", set.Stdout);

        var unset = Cli.RunWith(new Dictionary<string, string?> { ["DOTNET_GCgen0size"] = null }, "info");
        Assert.Equal(0, unset.ExitCode);
        Assert.Matches(@"GC gen0 budget\s*[│|]\s*runtime default \(./uft sets 256 MB", unset.Stdout);
    }

    [Theory]
    [InlineData("10000000", "256 MB (DOTNET_GCgen0size=10000000)")]   // the runtime reads it as hexadecimal, 0x or not
    [InlineData("0x4000000", "64 MB (DOTNET_GCgen0size=0x4000000)")]
    [InlineData("256MB", "DOTNET_GCgen0size=256MB is not hexadecimal: runtime default (./uft sets 256 MB: docs/reliability.md)")]
    public void Gen0BudgetReadsTheVariableAsTheRuntimeDoes(string variable, string expected) =>
        Assert.Equal(expected, UftInfo.Gen0Budget(variable));
}
