using Uft.Data;
using Uft.Models;

namespace Uft.Training;

/// <summary>
/// What the trainer measures after an epoch (metrics.jsonl's knn, align and uniform): evaluation's measures, given to the
/// <see cref="Trainer"/> from above (Uft.Evaluation.TrainingMonitor) so that training does not depend on evaluation.
/// </summary>
public interface IEpochMonitor
{
    /// <summary>Whether it measures anything; false makes the trainer (and --minutes' plan) skip it.</summary>
    bool IsActive { get; }

    /// <summary>Seconds one <see cref="Measure"/> will take, for --minutes' plan where the first epoch was not measured.</summary>
    double EstimateSeconds(ResNet backbone, CancellationToken ct);

    /// <summary>kNN top-1 accuracy, alignment and uniformity of the backbone's features after <paramref name="epoch"/> (0-based); null where not measured.</summary>
    (double? Knn, double? Align, double? Uniform) Measure(ResNet backbone, int epoch, CancellationToken ct);
}

/// <summary>Makes the monitor of a run from its config, the input normalisation and its target images (read by the trainer).</summary>
public delegate IEpochMonitor EpochMonitorFactory(TrainConfig config, InputNorm norm, IReadOnlyList<ImageItem> target, CancellationToken ct);

/// <summary>No measurements: a trainer given no monitor.</summary>
public sealed class NoMonitor : IEpochMonitor
{
    public static readonly NoMonitor Instance = new();
    NoMonitor() { }
    public bool IsActive => false;
    public double EstimateSeconds(ResNet backbone, CancellationToken ct) => 0;
    public (double? Knn, double? Align, double? Uniform) Measure(ResNet backbone, int epoch, CancellationToken ct) => (null, null, null);
}
