namespace Uft;

/// <summary>IProgress that calls back on the reporting thread (Progress&lt;T&gt; posts to a synchronisation context,
/// which a console program lacks, so reports would arrive late and out of order).</summary>
public sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
