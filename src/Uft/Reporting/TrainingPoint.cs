namespace Uft.Reporting;

/// <summary>One line of a run's metrics.jsonl: <c>{epoch, step, loss, lr, knn?, align?, uniform?}</c>.</summary>
public sealed record TrainingPoint(int Epoch, long Step, double Loss, double Lr, double? Knn = null, double? Align = null, double? Uniform = null);
