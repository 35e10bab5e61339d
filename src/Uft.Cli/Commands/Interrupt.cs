namespace Uft.Cli.Commands;

/// <summary>Ctrl-C asks long work to stop at the next safe point (a finished step, a written checkpoint);
/// a second Ctrl-C ends the process at once.</summary>
sealed class Interrupt : IDisposable
{
    readonly CancellationTokenSource cts = new();
    readonly ConsoleCancelEventHandler handler;

    public Interrupt(CancellationToken outer = default)
    {
        handler = (_, e) =>
        {
            if (cts.IsCancellationRequested) return;
            e.Cancel = true;
            cts.Cancel();
            Console.Error.WriteLine("stopping after the current step (Ctrl-C again to quit at once)...");
        };
        Console.CancelKeyPress += handler;
        outer.Register(cts.Cancel);
    }

    public CancellationToken Token => cts.Token;

    public void Dispose()
    {
        Console.CancelKeyPress -= handler;
        cts.Dispose();
    }
}
