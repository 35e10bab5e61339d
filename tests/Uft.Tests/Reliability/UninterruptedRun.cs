namespace Uft.Tests.Reliability;

/// <summary>The reference for the kill and Ctrl-C tests: one uninterrupted small run (3 epochs of 2 steps), made once
/// per test class.</summary>
public sealed class UninterruptedRun : IDisposable
{
    public const int Epochs = 3, Images = 32;

    public string Target { get; } = SmallRun.Target(Images);
    public string Output { get; } = Paths.TempDir();
    public string Run => Path.Combine(Output, "reference");

    public UninterruptedRun()
    {
        var r = Cli.Run(SmallRun.Args(Target, Output, "reference", Epochs, "--checkpoint-every", "1"));
        if (r.ExitCode != 0) throw new InvalidOperationException("reference run failed: " + r.All);
    }

    public void Dispose()
    {
        SmallRun.Delete(Output);
        SmallRun.Delete(Target);
    }
}
