namespace Uft.Evaluation;

/// <summary>How well K-means clusters match the classes. The paper's "clustering accuracy" is <see cref="BCubedPrecision"/>.</summary>
public sealed record ClusteringScores(double BCubedPrecision, double BCubedRecall, double BCubedF1, double Nmi);
