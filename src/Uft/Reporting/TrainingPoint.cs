namespace Uft.Reporting;

/// <summary>One line of a run's metrics.jsonl: <c>{epoch, step, loss, lr, seconds?, knn?, align?, uniform?}</c>
/// (<c>seconds</c>: that epoch's training steps, without the monitor's measurements).</summary>
public sealed record TrainingPoint(int Epoch, long Step, double Loss, double Lr, double? Knn = null, double? Align = null, double? Uniform = null,
    double? Seconds = null)
{
    /// <summary>The training minutes at the end of each point's epoch (the sum of the epochs' seconds so far), or null
    /// when the curve is not one line an epoch, 1, 2, 3, … (logged by step, or cut) or a line lacks its seconds.</summary>
    public static double[]? MinutesTrained(IReadOnlyList<TrainingPoint> curve)
    {
        if (curve.Count == 0) return null;
        var minutes = new double[curve.Count];
        double sum = 0;
        for (int i = 0; i < curve.Count; i++)
        {
            if (curve[i].Epoch != i + 1 || curve[i].Seconds is not double s || !(s >= 0)) return null;
            sum += s;
            minutes[i] = sum / 60;
        }
        return minutes;
    }
}
