namespace Uft;

/// <summary>A failure the user can fix, reported as one line without a stack trace.
/// <see cref="IsUsage"/> marks bad arguments or input (CLI exit code 2) rather than a failed run (exit code 1).</summary>
public class UftException(string message, bool isUsage = false, Exception? inner = null) : Exception(message, inner)
{
    public bool IsUsage { get; } = isUsage;

    public static UftException Usage(string message) => new(message, isUsage: true);
}
