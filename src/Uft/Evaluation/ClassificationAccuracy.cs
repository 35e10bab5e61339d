namespace Uft.Evaluation;

/// <summary>Top-1 accuracy and mean-class accuracy (the average of per-class recalls, the metric of
/// few-shot transfer papers on unbalanced test sets such as Caltech-101).</summary>
public static class ClassificationAccuracy
{
    public static double Top1(int[] predictions, int[] labels)
    {
        CheckLengths(predictions, labels);
        int correct = 0;
        for (int i = 0; i < labels.Length; i++) if (predictions[i] == labels[i]) correct++;
        return labels.Length == 0 ? 0 : (double)correct / labels.Length;
    }

    /// <summary>Mean over the classes present in <paramref name="labels"/> of the share of their items predicted right.</summary>
    public static double MeanClass(int[] predictions, int[] labels)
    {
        CheckLengths(predictions, labels);
        var total = new Dictionary<int, int>();
        var correct = new Dictionary<int, int>();
        for (int i = 0; i < labels.Length; i++)
        {
            total[labels[i]] = total.GetValueOrDefault(labels[i]) + 1;
            if (predictions[i] == labels[i]) correct[labels[i]] = correct.GetValueOrDefault(labels[i]) + 1;
        }
        return total.Count == 0 ? 0 : total.Average(kv => (double)correct.GetValueOrDefault(kv.Key) / kv.Value);
    }

    /// <summary>Mean of a per-item score (1/0 for right/wrong, or a retrieval precision) over each class's items, in
    /// class order; NaN for a class without items.</summary>
    public static double[] PerClassMean(double[] scores, int[] labels, int numClasses)
    {
        if (scores.Length != labels.Length) throw new ArgumentException($"{scores.Length} scores for {labels.Length} labels");
        var sum = new double[numClasses];
        var count = new int[numClasses];
        for (int i = 0; i < labels.Length; i++)
        {
            sum[labels[i]] += scores[i];
            count[labels[i]]++;
        }
        return sum.Select((s, c) => count[c] == 0 ? double.NaN : s / count[c]).ToArray();
    }

    /// <summary>Per-class recall: the share of each class's items predicted right (NaN for a class without items).</summary>
    public static double[] PerClass(int[] predictions, int[] labels, int numClasses)
    {
        CheckLengths(predictions, labels);
        return PerClassMean(predictions.Select((p, i) => p == labels[i] ? 1.0 : 0.0).ToArray(), labels, numClasses);
    }

    static void CheckLengths(int[] predictions, int[] labels)
    {
        if (predictions.Length != labels.Length)
            throw new ArgumentException($"{predictions.Length} predictions for {labels.Length} labels");
    }
}
