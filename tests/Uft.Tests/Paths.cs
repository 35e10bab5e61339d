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

    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "uft-tests", Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }
}
