using System.Text.Json.Nodes;

namespace Uft.Training;

/// <summary>
/// The JSON sidecar of a checkpoint: where training stands and how to recognise the tensor file it belongs to.
/// Random state is (<see cref="Seed"/>, <see cref="Step"/>): every step draws from
/// <see cref="Method.RandomDraws.ForStep"/>, so nothing else is needed to resume the same sequence.
/// </summary>
public sealed record CheckpointInfo
{
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    /// <summary>Completed epochs.</summary>
    public int Epoch { get; init; }
    /// <summary>Completed optimizer steps over the whole run.</summary>
    public long Step { get; init; }
    public long QueuePointer { get; init; }
    /// <summary>Sums of the epoch in progress when the checkpoint was written part-way through one; null at an epoch's end.</summary>
    public PartialEpoch? Partial { get; init; }
    /// <summary>The metrics line of the epoch this checkpoint completes (null part-way through one), so a resume can
    /// restore a line that a crash kept from reaching metrics.jsonl.</summary>
    public EpochMetrics? Metrics { get; init; }
    public int Seed { get; init; }
    /// <summary>The run's configuration, as the trainer wants to see it again on resume.</summary>
    public JsonObject? Config { get; init; }
    /// <summary>Written into the tensor file's metadata as well, pairing the two files.</summary>
    public string CheckpointId { get; init; } = "";
    /// <summary>SHA-256 (hex) of the .safetensors file; set by <see cref="Checkpoint.Save"/>.</summary>
    public string TensorsSha256 { get; init; } = "";
    public DateTime SavedUtc { get; init; }
}
