namespace Uft;

/// <summary>
/// Every file UFT writes goes through here, so that a kill or a power cut at any moment leaves either the old or the
/// complete new content, never a torn file. A write goes to a temporary file in the same folder, which is flushed to
/// the disk (fsync), renamed over the target, and then the folder itself is fsynced so that the rename is on the disk
/// too. Appends (metrics.jsonl) are fsynced after each line; a reader skips an incomplete last line.
/// docs/reliability.md lists what survives a power cut.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write) => Write(path, write, _ => { });

    /// <summary>As <see cref="Write(string, Action{Stream})"/>; <paramref name="beforeRename"/> runs once the temporary
    /// file is complete and on the disk (its stream at position 0, readable: e.g. to hash it), before the rename. If it
    /// throws, the target keeps its old content.</summary>
    public static void Write(string path, Action<Stream> write, Action<Stream> beforeRename)
    {
        var full = Path.GetFullPath(path);
        CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = TemporaryPath(full);
        try
        {
            using (var file = new FileStream(tmp, FileMode.Create, FileAccess.ReadWrite, FileShare.None))
            {
                write(file);
                file.Flush(flushToDisk: true);
                file.Position = 0;
                beforeRename(file);
            }
            Training.Faults.Sleep("commit-" + Path.GetFileName(full));
            Rename(tmp, full);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, leaveOpen: true); w.Write(text); });

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes));

    /// <summary>Appends <paramref name="text"/> in one write and fsyncs the file (and the folder when the file is new).</summary>
    public static void Append(string path, string text)
    {
        bool created = !File.Exists(path);
        using (var f = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read))
        {
            f.Write(System.Text.Encoding.UTF8.GetBytes(text));
            f.Flush(flushToDisk: true);
        }
        if (created) Posix.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Renames a complete, flushed file over <paramref name="to"/> and fsyncs the folder: the rename is then durable.</summary>
    public static void Rename(string from, string to)
    {
        File.Move(from, to, overwrite: true);
        Posix.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(to))!);
    }

    /// <summary>Creates the folder and any missing parents, fsyncing the parent of each one created, so that a new run
    /// folder is on the disk along with the files in it.</summary>
    public static void CreateDirectory(string path)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) return;
        string? parent = Path.GetDirectoryName(full);
        if (parent is not null) CreateDirectory(parent);
        Directory.CreateDirectory(full);
        if (parent is not null) Posix.SyncDirectory(parent);
    }

    /// <summary>The temporary file a write of <paramref name="path"/> uses: hidden, in the same folder, named after the
    /// process, so that a start can delete what a killed writer left (<c>.*.tmp</c>).</summary>
    public static string TemporaryPath(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
}
