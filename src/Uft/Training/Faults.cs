using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Uft.Training;

/// <summary>
/// Test-only fault injection, so the reliability tests can hit moments a random kill rarely finds. Read once from the
/// environment variable <c>UFT_FAULT</c>, a comma-separated list; unset (the normal case) it does nothing:
/// <list type="bullet">
/// <item><c>sleep-checkpoint=MS</c>, <c>sleep-monitor=MS</c>, <c>sleep-step=MS</c>: sleep at each stage of a checkpoint write,
/// before the monitor, after each step (widens the window a kill lands in); <c>sleep-step=MS@N</c> from global step N
/// (0-based) on, as when a machine slows down during a run.</item>
/// <item><c>sleep-commit-NAME=MS</c>: sleep before the rename that replaces the file NAME (e.g. backbone.safetensors), its
/// new content complete in a temporary file: a reader in that window must see the old file whole.</item>
/// <item><c>io-error-checkpoint</c>: the checkpoint write fails with an IOException after the tensors are written to the
/// temporary file (a full disk).</item>
/// <item><c>nan-loss@N</c>: the loss of global step N (0-based) becomes NaN.</item>
/// <item><c>memory=BYTES</c>: the memory the runtime may use is taken to be BYTES (a small machine, for the view cache's
/// check of what fits).</item>
/// <item><c>gc-stress=MS</c>: from the moment this assembly loads, a thread forces a full collection and waits for the
/// finalizers every MS milliseconds (<see cref="GcStress"/>), for the library and the CLI alike.</item>
/// </list>
/// See docs/reliability.md.
/// </summary>
public static class Faults
{
    static readonly Dictionary<string, string> Active = Parse(Environment.GetEnvironmentVariable("UFT_FAULT"));

    static Dictionary<string, string> Parse(string? spec) =>
        (spec ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(f => f.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");

    /// <summary>Starts <see cref="GcStress"/> when <c>gc-stress=MS</c> is set; runs when the assembly loads, so a program
    /// that calls the library without the CLI is stressed too.</summary>
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "test-only hook; without UFT_FAULT it only reads one variable")]
    internal static void StartGcStress()
    {
        if (Active.TryGetValue("gc-stress", out var ms)) GcStress.Start(TimeSpan.FromMilliseconds(int.Parse(ms)));
    }

    /// <summary>Sleeps when <c>sleep-&lt;point&gt;=MS</c> is set, or <c>sleep-&lt;point&gt;=MS@N</c> and
    /// <paramref name="step"/> is N or later.</summary>
    public static void Sleep(string point, long step = 0)
    {
        if (!Active.TryGetValue("sleep-" + point, out var spec)) return;
        var parts = spec.Split('@');
        if (parts.Length == 1 || step >= long.Parse(parts[1])) Thread.Sleep(int.Parse(parts[0]));
    }

    /// <summary>Throws an IOException when <c>io-error-&lt;point&gt;</c> is set.</summary>
    public static void IoError(string point)
    {
        if (Active.ContainsKey("io-error-" + point)) throw new IOException($"No space left on device (injected by UFT_FAULT=io-error-{point})");
    }

    /// <summary>The memory the runtime may use: <paramref name="actual"/>, or BYTES when <c>memory=BYTES</c> is set.</summary>
    public static long Memory(long actual) => Active.TryGetValue("memory", out var bytes) ? long.Parse(bytes) : actual;

    /// <summary>True when <c>&lt;name&gt;@&lt;step&gt;</c> is set.</summary>
    public static bool At(string name, long step) => Active.ContainsKey($"{name}@{step}");
}
