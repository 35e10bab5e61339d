namespace Uft.Tests;

/// <summary>Where the repo, its shipped demo data and the optional ../shared data sets are.</summary>
static class Paths
{
    public static string Repo { get; } = FindRepo();
    public static string Demo => Path.Combine(Repo, "data", "demo");
    public static string Fixtures => Path.Combine(AppContext.BaseDirectory, "Fixtures");
    /// <summary>../shared/data beside the repo; null on a machine without it (tests that need it skip).</summary>
    public static string? SharedData
    {
        get
        {
            var p = Path.GetFullPath(Path.Combine(Repo, "..", "shared", "data"));
            return Directory.Exists(p) ? p : null;
        }
    }

    static string FindRepo()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Directory.Build.props"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repo root not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A new empty folder under this test process's own temporary folder.</summary>
    public static string TempDir() => NewFolder(TempRoot);

    static string NewFolder(string root)
    {
        var d = Path.Combine(root, Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }

    /// <summary>A new empty folder in memory (/dev/shm) when there is room, else <see cref="TempDir"/>; deleted on
    /// dispose. For tests that time whole runs: each epoch writes a ~200 MB checkpoint with an fsync, which took 0.3 to
    /// 1.3 s on this machine's disk from one epoch to the next and decided whether a 24-s run landed within ±15%.
    /// A suite killed before its dispose leaves them under /dev/shm/uft-tests/p&lt;pid&gt;, which the next test process
    /// removes as it does <see cref="TempDir"/>'s: memory is scarcer than disk.</summary>
    public static ScratchFolder MemoryDir()
    {
        const long room = 4L << 30;
        bool fits = Directory.Exists(Shm) && new DriveInfo(Shm).AvailableFreeSpace >= room;
        return new ScratchFolder(fits ? NewFolder(MemoryRoot.Value) : TempDir());
    }

    public sealed class ScratchFolder(string path) : IDisposable
    {
        public string Path { get; } = path;
        public void Dispose() => TryDelete(Path);
    }

    // One folder per test process (uft-tests/p<pid>), removed when the process exits if the test host lets it finish
    // (`dotnet test` ends its host before: measured, the folder stayed), else by the next test process, which removes
    // every folder of a process no longer running: at most one suite's folders stay behind. A full suite writes a few GB
    // of run folders and checkpoints: kept, they had filled this machine's disk (71 GB) and stopped a training run.
    static readonly string TempRoot = CreateTempRoot(Path.GetTempPath());
    const string Shm = "/dev/shm";
    static readonly Lazy<string> MemoryRoot = new(() => CreateTempRoot(Shm));

    static string CreateTempRoot(string under)
    {
        string parent = Path.Combine(under, "uft-tests");
        Directory.CreateDirectory(parent);
        foreach (var dir in Directory.GetDirectories(parent))
        {
            string name = Path.GetFileName(dir);
            bool live = name.StartsWith('p') && int.TryParse(name[1..], out int pid) && IsRunning(pid);
            // A folder of the older layout (no process id) is left alone for an hour: a test process of older code may use it.
            bool recent = !name.StartsWith('p') && Directory.GetLastWriteTimeUtc(dir) > DateTime.UtcNow.AddHours(-1);
            if (!live && !recent) TryDelete(dir);
        }
        string root = Path.Combine(parent, $"p{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(root);
        return root;
    }

    static bool IsRunning(int pid)
    {
        try { using var p = System.Diagnostics.Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
