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

    /// <summary>
    /// Sets flush-to-zero and denormals-are-zero (PyTorch's <c>torch.set_flush_denormal(True)</c>, which TorchSharp does
    /// not expose) on this thread; libtorch's worker threads, created later from it, inherit the setting. A pretrained
    /// ResNet on real images produces denormal values in its backward pass, and x86 handles those in microcode: a MoCo
    /// step at 64 px on 2 cores went from 7 to 100 images/s with this. Call it early on the main thread. Returns whether
    /// the CPU supports it.
    /// </summary>
    public static bool FlushDenormals()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsWindows()) return false;
        try
        {
            using var _ = TorchSharp.torch.zeros(1); // makes TorchSharp load libtorch before we call into it
            return setFlushDenormal(globalContext(), true);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // a libtorch build without these exports: run slower rather than fail
        }
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

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    static extern IntPtr globalContext();

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context16setFlushDenormalEb")]
    [return: MarshalAs(UnmanagedType.I1)]
    static extern bool setFlushDenormal(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool on);

    [DllImport("libc", EntryPoint = "setenv")]
    static extern int setenv(string name, string value, int overwrite);
}
