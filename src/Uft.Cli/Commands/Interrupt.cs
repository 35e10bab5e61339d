using System.Runtime.InteropServices;

namespace Uft.Cli.Commands;

/// <summary>Ctrl-C (SIGINT) and SIGTERM (kill &lt;pid&gt;, docker stop, systemd, a batch scheduler's preemption) ask long
/// work to stop at the next safe point (a finished step, a written checkpoint); the same signal again ends the process
/// at once. The command then exits with <see cref="ExitCode"/>: 130 for SIGINT, 143 for SIGTERM, as a shell reports a
/// process those signals ended.</summary>
sealed class Interrupt : IDisposable
{
    public const int SigIntExit = 130, SigTermExit = 143;

    // The last stop request of this process, for the exit code of a command that ends by OperationCanceledException.
    static volatile int requested = SigIntExit;

    readonly CancellationTokenSource cts = new();
    readonly ConsoleCancelEventHandler handler;
    readonly PosixSignalRegistration? sigterm;

    public Interrupt(CancellationToken outer = default)
    {
        handler = (_, e) => e.Cancel = Stop(SigIntExit, "Ctrl-C");
        Console.CancelKeyPress += handler;
        // Windows has no SIGTERM to catch (a console close is another matter).
        if (!OperatingSystem.IsWindows()) sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => c.Cancel = Stop(SigTermExit, "SIGTERM"));
        outer.Register(cts.Cancel);
    }

    // First request: cancel and keep the process (true); a second one: let the signal's default end it (false).
    bool Stop(int exitCode, string name)
    {
        if (cts.IsCancellationRequested) return false;
        requested = exitCode;
        cts.Cancel();
        Console.Error.WriteLine($"stopping after the current step ({name} again to quit at once)...");
        return true;
    }

    public CancellationToken Token => cts.Token;

    /// <summary>The exit code of a command that stopped on request: 130 after Ctrl-C, 143 after SIGTERM.</summary>
    public static int ExitCode => requested;

    public void Dispose()
    {
        Console.CancelKeyPress -= handler;
        sigterm?.Dispose();
        cts.Dispose();
    }
}
