using System.Runtime.InteropServices;

namespace Uft;

/// <summary>The few libc calls .NET does not offer: fsync of a folder (so that a rename survives a power cut) and a read
/// that takes no lock (.NET's FileStream takes an advisory flock on every open, which fails while another process holds
/// the run folder's lock). No-ops or nulls on Windows, where neither is needed.</summary>
static class Posix
{
    const int ReadOnly = 0; // O_RDONLY on Linux and macOS
    const int EINTR = 4, EINVAL = 22, EROFS = 30;

    /// <summary>Makes the folder's entries (renames, new files) durable: open it read-only and fsync it.</summary>
    public static void SyncDirectory(string dir)
    {
        if (OperatingSystem.IsWindows()) return;
        int fd = open(dir, ReadOnly);
        if (fd < 0) throw Error(dir, "open the folder to sync it");
        try
        {
            int rc;
            do rc = fsync(fd); while (rc < 0 && Marshal.GetLastPInvokeError() == EINTR);
            // Folders that cannot be synced (some network and virtual file systems) say so with EINVAL or EROFS: nothing to do.
            if (rc < 0 && Marshal.GetLastPInvokeError() is not (EINVAL or EROFS)) throw Error(dir, "sync the folder");
        }
        finally { close(fd); }
    }

    /// <summary>Up to <paramref name="max"/> bytes of the file as text, read without taking a lock; null when it cannot be read.</summary>
    public static string? ReadWithoutLock(string path, int max = 256)
    {
        if (OperatingSystem.IsWindows()) return null;
        int fd = open(path, ReadOnly);
        if (fd < 0) return null;
        try
        {
            var buffer = new byte[max];
            nint n = read(fd, buffer, max);
            return n < 0 ? null : System.Text.Encoding.UTF8.GetString(buffer, 0, (int)n);
        }
        finally { close(fd); }
    }

    static IOException Error(string path, string what)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new IOException($"{path}: could not {what} ({Marshal.GetPInvokeErrorMessage(errno)})", errno);
    }

    [DllImport("libc", SetLastError = true)] static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
    [DllImport("libc", SetLastError = true)] static extern int fsync(int fd);
    [DllImport("libc", SetLastError = true)] static extern nint read(int fd, byte[] buffer, nint count);
    [DllImport("libc", SetLastError = true)] static extern int close(int fd);
}
