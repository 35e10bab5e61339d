using System.Text.Json;
using System.Text.Json.Serialization;
using Uft.Method;
using Uft.Models;
using Uft.Pretrained;
using static TorchSharp.torch;

namespace Uft.Training;

/// <summary>
/// A run's folder: config.json (resolved config), run.json (versions, command, start), replay.txt (the source replay
/// subset), metrics.jsonl (one line per epoch), checkpoints/ (last + every N epochs) and backbone.safetensors (the
/// finetuned query backbone, torchvision names) at the end, and .lock (<see cref="RunLock"/>) while a process writes it.
/// Every file is written through <see cref="AtomicFile"/> (fsync, rename, fsync of the folder).
/// </summary>
public sealed class RunFolder(string path)
{
    public string Path { get; } = path;
    public string ConfigFile => System.IO.Path.Combine(Path, "config.json");
    public string RunFile => System.IO.Path.Combine(Path, "run.json");
    public string ReplayList => System.IO.Path.Combine(Path, "replay.txt");
    public string MetricsFile => System.IO.Path.Combine(Path, "metrics.jsonl");
    public string Checkpoints => System.IO.Path.Combine(Path, "checkpoints");
    public string BackboneFile => System.IO.Path.Combine(Path, "backbone.safetensors");

    // A monitor value can be NaN (e.g. uniformity of a collapsed sample): written as "NaN" rather than failing the run.
    static readonly JsonSerializerOptions Json = new(TrainConfig.Json) { WriteIndented = false, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    RunLock? writer;

    /// <summary>Starts writing this run: takes the folder's <see cref="RunLock"/> now if the folder exists (a second
    /// writer stops here, having written nothing), else <see cref="Prepare"/> takes it as it creates the folder.
    /// Disposing the result releases it.</summary>
    public IDisposable BeginWriting()
    {
        writer ??= RunLock.AcquireIfExists(Path);
        return new Release(this);
    }

    sealed class Release(RunFolder run) : IDisposable
    {
        public void Dispose()
        {
            run.writer?.Dispose();
            run.writer = null;
        }
    }

    /// <summary>Checks, writing nothing, that a new run's folder holds no run and that a resumed one has a checkpoint.</summary>
    public void CheckStart(bool resume)
    {
        bool hasCheckpoint = Directory.Exists(Checkpoints) && Directory.EnumerateFiles(Checkpoints, "*.safetensors").Any();
        if (resume && !hasCheckpoint)
            throw UftException.Usage($"{Path}: no checkpoint to resume from; run without --resume to start it");
        if (!resume && hasCheckpoint)
            throw UftException.Usage($"{Path}: a run is already there; pass --resume to continue it, or choose another --name");
    }

    /// <summary>Creates the folder for a new run, or checks that a resumed one has a checkpoint. Temporary files of a
    /// write (checkpoint, backbone) that a killed process left behind are deleted: the folder's lock makes this process its
    /// only writer.</summary>
    public void Prepare(TrainConfig config, bool resume)
    {
        writer ??= RunLock.Acquire(Path);
        CheckStart(resume);
        AtomicFile.CreateDirectory(Checkpoints);
        foreach (var tmp in Directory.EnumerateFiles(Path, ".*.tmp").Concat(Directory.EnumerateFiles(Checkpoints, ".*.tmp"))) File.Delete(tmp);
        SaveConfig(config);
        if (!resume)
        {
            var run = new Dictionary<string, string>
            {
                ["uft"] = UftInfo.Version, ["torchsharp"] = UftInfo.TorchSharpVersion, ["libtorch"] = __version__,
                ["command"] = Environment.CommandLine, ["started_utc"] = DateTime.UtcNow.ToString("O"),
                ["machine"] = $"{Environment.ProcessorCount} cores, {UftInfo.CpuFeatures()}",
            };
            AtomicFile.WriteAllText(RunFile, JsonSerializer.Serialize(run, TrainConfig.Json));
            if (File.Exists(MetricsFile)) File.Delete(MetricsFile);
        }
    }

    /// <summary>The settings a resumed run keeps: its config.json, placed in this folder under <paramref name="outputRoot"/>
    /// and <paramref name="name"/> (it may have been moved or copied since it started). The one resume path of
    /// <c>uft finetune --resume</c> and <c>uft compare</c>'s interrupted arms.</summary>
    public TrainConfig ConfigForResume(string outputRoot, string name)
    {
        if (!File.Exists(ConfigFile)) throw UftException.Usage($"{Path}: no run to resume (config.json missing); check --name and --output");
        var saved = TrainConfig.Load(ConfigFile) with { OutputRoot = outputRoot, Name = name };
        // A run records the views it caches; one whose config.json names none began before the view cache existed, on
        // fresh views, and goes on so rather than take today's default.
        return saved.CachedViews is null ? saved with { CachedViews = 0 } : saved;
    }

    /// <summary>Writes config.json: at the start, and again when --minutes re-plans the epochs, so a resume keeps them.</summary>
    public void SaveConfig(TrainConfig config) => AtomicFile.WriteAllText(ConfigFile, config.ToJson());

    public void AppendMetrics(EpochMetrics m) => AtomicFile.Append(MetricsFile, JsonSerializer.Serialize(m, Json) + "\n");

    public List<EpochMetrics> ReadMetrics() => ReadMetrics(MetricsFile);

    /// <summary>Reads a metrics.jsonl; a torn last line (a crash mid-write) is ignored.</summary>
    public static List<EpochMetrics> ReadMetrics(string file)
    {
        var list = new List<EpochMetrics>();
        if (!File.Exists(file)) return list;
        foreach (var line in File.ReadLines(file))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try { if (JsonSerializer.Deserialize<EpochMetrics>(line, Json) is { } m) list.Add(m); }
            catch (JsonException) { }
        }
        return list;
    }

    /// <summary>Makes metrics.jsonl end at the checkpoint's <paramref name="epoch"/>: drops lines of later epochs (from a
    /// run that fell back to an older checkpoint) and adds the checkpoint's own line when a crash kept it from the file.</summary>
    public void TruncateMetrics(int epoch, EpochMetrics? checkpointed)
    {
        var kept = ReadMetrics().Where(m => m.Epoch <= epoch).ToList();
        if (checkpointed is not null && checkpointed.Epoch == epoch && kept.All(m => m.Epoch != epoch)) kept.Add(checkpointed);
        AtomicFile.WriteAllText(MetricsFile, string.Concat(kept.Select(m => JsonSerializer.Serialize(m, Json) + "\n")));
    }

    public void SaveCheckpoint(MoCo moco, MomentumSgd optimizer, CheckpointInfo info, int keepEvery)
    {
        var state = Checkpoint.TrainingState(moco, optimizer);
        try
        {
            Checkpoint.Save(Checkpoints, state, info, keepEvery);
        }
        catch (IOException e)
        {
            // What the write needs free: one tensor file beside the checkpoint it replaces (a kept epoch-NNNN copy is
            // written after that replace, so it needs the same again, not more).
            long needed = state.Values.Sum(t => t.NumberOfElements * t.ElementSize);
            throw new UftException($"{Checkpoints}: could not write the checkpoint of epoch {info.Epoch} ({e.Message.TrimEnd('.')}); " +
                $"it needs {Megabytes(needed)} MB free, {Megabytes(FreeBytes(Checkpoints))} MB are; the previous checkpoint is intact. " +
                "Free disk space (or move the run folder to a bigger disk) and rerun with --resume");
        }
    }

    static long Megabytes(long bytes) => (bytes + (1 << 20) - 1) >> 20;

    static long FreeBytes(string folder)
    {
        try { return new DriveInfo(System.IO.Path.GetFullPath(folder)).AvailableFreeSpace; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { return 0; }
    }

    /// <summary>The newest checkpoint that loads: last, else the kept epoch-NNNN ones from newest to oldest, with a notice for each one passed over.</summary>
    public (Dictionary<string, Tensor> Tensors, CheckpointInfo Info, string Path) LoadNewestGoodCheckpoint(Action<string> notice)
    {
        var candidates = new List<string>();
        string last = System.IO.Path.Combine(Checkpoints, Checkpoint.Last + ".safetensors");
        if (File.Exists(last)) candidates.Add(last);
        candidates.AddRange(Directory.EnumerateFiles(Checkpoints, "epoch-*.safetensors").OrderDescending(StringComparer.Ordinal));
        foreach (var c in candidates)
        {
            try
            {
                var (tensors, info) = Checkpoint.Load(c);
                return (tensors, info, c);
            }
            catch (UftException e)
            {
                notice($"{e.Message}; trying an older checkpoint");
            }
        }
        throw new UftException($"{Checkpoints}: no checkpoint could be loaded; start the run again without --resume");
    }

    /// <summary>The finetuned backbone with torchvision names; its metadata names the architecture so `--backbone` can load it.</summary>
    public void SaveBackbone(ResNet backbone, string architecture) =>
        Interop.SafeTensors.Save(BackboneFile, backbone.state_dict(),
            new Dictionary<string, string> { [Backbones.ArchitectureKey] = architecture, ["uft"] = UftInfo.Version });
}
