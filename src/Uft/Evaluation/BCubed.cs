namespace Uft.Evaluation;

/// <summary>
/// BCubed precision, recall and F1 (Bagga and Baldwin 1998; Amigó et al. 2009), averaged over items.
/// For item i: precision = share of i's cluster that has i's label; recall = share of i's label class that is in
/// i's cluster. The paper's "clustering accuracy" is the BCubed precision of K-means with k = number of classes.
/// </summary>
public static class BCubed
{
    public static (double Precision, double Recall, double F1) Score(int[] clusters, int[] labels)
    {
        if (clusters.Length != labels.Length) throw new ArgumentException($"{clusters.Length} cluster ids for {labels.Length} labels");
        if (clusters.Length == 0) throw new ArgumentException("no items to score");
        // Every item of contingency cell (c, l) has the same precision n_cl/|c| and recall n_cl/|l|.
        var cell = new Dictionary<(int, int), int>();
        var clusterSize = new Dictionary<int, int>();
        var classSize = new Dictionary<int, int>();
        for (int i = 0; i < clusters.Length; i++)
        {
            cell[(clusters[i], labels[i])] = cell.GetValueOrDefault((clusters[i], labels[i])) + 1;
            clusterSize[clusters[i]] = clusterSize.GetValueOrDefault(clusters[i]) + 1;
            classSize[labels[i]] = classSize.GetValueOrDefault(labels[i]) + 1;
        }
        double precision = 0, recall = 0;
        foreach (var ((c, l), n) in cell)
        {
            precision += (double)n * n / clusterSize[c];
            recall += (double)n * n / classSize[l];
        }
        precision /= clusters.Length;
        recall /= clusters.Length;
        return (precision, recall, 2 * precision * recall / (precision + recall));
    }
}
