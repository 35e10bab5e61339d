namespace Uft.Training;

/// <summary>
/// Test-only: a background thread that forces a full, blocking garbage collection and waits for the finalizers every
/// <c>period</c>, so that a TorchSharp temporary (a <see cref="TorchSharp.Scalar"/> or tensor) that nothing references
/// during a native call is freed under it far more often than in a normal run (docs/reliability.md, "GC stress").
/// Started by <c>UFT_FAULT=gc-stress=MS</c> (see <see cref="Faults"/>) or directly by a test.
/// </summary>
public sealed class GcStress : IDisposable
{
    readonly ManualResetEventSlim stop = new();
    readonly Thread thread;
    long collections;

    GcStress(TimeSpan period)
    {
        thread = new Thread(() =>
        {
            while (!stop.Wait(period))
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Interlocked.Increment(ref collections);
            }
        }) { IsBackground = true, Name = "uft-gc-stress" };
        thread.Start();
    }

    /// <summary>Starts collecting every <paramref name="period"/> (zero: back to back) until disposed.</summary>
    public static GcStress Start(TimeSpan period) => new(period);

    /// <summary>Forced collections so far.</summary>
    public long Collections => Interlocked.Read(ref collections);

    public void Dispose()
    {
        stop.Set();
        thread.Join();
        stop.Dispose();
    }
}
