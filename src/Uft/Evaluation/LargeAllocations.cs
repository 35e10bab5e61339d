using System.Runtime.InteropServices;

namespace Uft.Evaluation;

/// <summary>
/// Makes glibc serve large blocks with mmap and unmap them on free. By default glibc raises its mmap threshold
/// after the first large free, and from then on keeps freed tensor memory in its heap: exact t-SNE's per-iteration
/// N x N temporaries then grew the process to 6 GB at N = 500 (230 MB with this). Process-wide, once, Linux only.
/// </summary>
static class LargeAllocations
{
    const int MmapThreshold = -3; // M_MMAP_THRESHOLD in malloc.h
    static int applied;

    public static void ReturnToOs()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref applied, 1) == 1) return;
        try
        {
            mallopt(MmapThreshold, 1 << 20);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (e.g. musl): nothing to tune.
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int mallopt(int param, int value);
}
