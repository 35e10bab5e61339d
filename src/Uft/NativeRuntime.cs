using System.Runtime.InteropServices;

namespace Uft;

/// <summary>
/// Process-wide settings of the native side (glibc's allocator, libtorch's logging). Linux/glibc only; elsewhere no-ops.
/// </summary>
public static class NativeRuntime
{
    const int MmapThreshold = -3, TrimThreshold = -1; // M_MMAP_THRESHOLD, M_TRIM_THRESHOLD in malloc.h
    const int ReuseBelow = 512 << 20, TrimAbove = 1 << 30;

    /// <summary>
    /// Training speed: glibc serves blocks up to 512 MB from its heap and keeps freed ones for reuse, so the
    /// activations of each step reuse the last step's memory instead of mmap/munmap plus page faults every step
    /// (measured about 4x on a ResNet-18 step on 2 cores). Memory stays at the peak of one step.
    /// </summary>
    public static void ReuseLargeBlocks() => Mallopt(MmapThreshold, ReuseBelow, TrimThreshold, TrimAbove);

    /// <summary>
    /// For work whose large temporaries differ in size every iteration (exact t-SNE's N x N matrices): blocks over
    /// 1 MB are mmapped and returned on free (t-SNE at N = 500 grew to 6 GB without, 230 MB with). Disposing
    /// restores <see cref="ReuseLargeBlocks"/>.
    /// </summary>
    public static IDisposable ReturnLargeBlocks()
    {
        Mallopt(MmapThreshold, 1 << 20, TrimThreshold, 1 << 20);
        return new Restore();
    }

    /// <summary>Silences libtorch's C++ warnings (e.g. LBFGS's deprecated Optimizer::parameters()) unless the user set
    /// TORCH_CPP_LOG_LEVEL. Must run before the first TorchSharp call: libtorch reads it when it loads.</summary>
    public static void QuietTorchLogging()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("TORCH_CPP_LOG_LEVEL") is not null) return;
        try { setenv("TORCH_CPP_LOG_LEVEL", "ERROR", 0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    sealed class Restore : IDisposable
    {
        public void Dispose() => ReuseLargeBlocks();
    }

    static void Mallopt(int p1, int v1, int p2, int v2)
    {
        if (!OperatingSystem.IsLinux()) return;
        try { mallopt(p1, v1); mallopt(p2, v2); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { } // not glibc (musl)
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int mallopt(int param, int value);

    [DllImport("libc", EntryPoint = "setenv")]
    static extern int setenv(string name, string value, int overwrite);
}
