namespace Uft.Evaluation;

/// <summary>K-shot transfer outcome for one K: test top-1 and mean-class accuracy over trials; for the linear
/// probe, each trial's fit (chosen λ, iterations, convergence).</summary>
public sealed record KShotResult(int Shots, MetricSummary Top1, MetricSummary MeanClassAccuracy, IReadOnlyList<ProbeFit>? Fits = null);
