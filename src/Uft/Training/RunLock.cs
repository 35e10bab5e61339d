namespace Uft.Training;

/// <summary>
/// One writer per run folder: an exclusive lock on <c>&lt;folder&gt;/.lock</c>, which holds the writer's process id.
/// .NET takes it as an advisory <c>flock(LOCK_EX | LOCK_NB)</c> on Unix (a share mode on Windows), so the kernel releases it
/// when the process ends in any way, kill -9 included: a lock is never stale. A second process that asks for it gets a
/// one-line usage error naming the folder and the holder's id, before it has written anything. Readers (eval, report)
/// take no lock: every file is replaced by an atomic rename (<see cref="AtomicFile"/>), so they see whole files.
/// Within one process the lock is re-entrant on the thread that holds it (a comparison holds an arm's folder while the
/// trainer it calls trains there); another thread of the same process is refused like another process.
/// </summary>
public sealed class RunLock : IDisposable
{
    public const string FileName = ".lock";

    // The folders this thread holds: a nested Acquire of one of them is a no-op.
    [ThreadStatic] static HashSet<string>? held;

    readonly FileStream? file;
    readonly string folder;

    RunLock(string folder, FileStream? file) => (this.folder, this.file) = (folder, file);

    /// <summary>Takes the lock of <paramref name="folder"/>, creating the folder if needed.</summary>
    public static RunLock Acquire(string folder)
    {
        string full = Path.GetFullPath(folder);
        if (held?.Contains(full) == true) return new RunLock(full, null);
        AtomicFile.CreateDirectory(full);
        string path = Path.Combine(full, FileName);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (File.Exists(path))
        {
            string? pid = Posix.ReadWithoutLock(path)?.Trim();
            string holder = string.IsNullOrEmpty(pid) ? "another process" : $"process {pid}";
            throw UftException.Usage($"{folder}: {holder} is writing this run folder; wait for it to finish or stop it{(string.IsNullOrEmpty(pid) ? "" : $" (kill {pid})")}, or choose another --name / --output");
        }
        file.SetLength(0);
        file.Write(System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId + "\n"));
        file.Flush();
        (held ??= []).Add(full);
        return new RunLock(full, file);
    }

    /// <summary>Takes the lock when the folder exists (a second writer then stops before it reads its inputs); null when
    /// there is no folder yet, whose writer takes the lock as it creates it.</summary>
    public static RunLock? AcquireIfExists(string folder) => Directory.Exists(folder) ? Acquire(folder) : null;

    public void Dispose()
    {
        if (file is null) return;
        held?.Remove(folder);
        // An empty file after a clean end; the process id stays after a kill, harmless since the kernel freed the lock.
        try { file.SetLength(0); } catch (IOException) { }
        file.Dispose();
    }
}
