namespace Uft.Evaluation;

/// <summary>
/// Normalised mutual information with arithmetic-mean normalisation, NMI = I(a; b) / ((H(a) + H(b)) / 2),
/// matching scikit-learn's <c>normalized_mutual_info_score</c> default (natural log; both trivial partitions give 1).
/// </summary>
public static class Nmi
{
    public static double Compute(int[] a, int[] b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"partitions differ in length: {a.Length} and {b.Length}");
        int n = a.Length;
        var ca = Counts(a);
        var cb = Counts(b);
        if ((ca.Count == 1 && cb.Count == 1) || n == 0) return 1.0;
        var joint = new Dictionary<(int, int), int>();
        for (int i = 0; i < n; i++) joint[(a[i], b[i])] = joint.GetValueOrDefault((a[i], b[i])) + 1;
        double mi = 0;
        foreach (var ((x, y), nxy) in joint)
            mi += (double)nxy / n * (Math.Log((double)nxy * n) - Math.Log((double)ca[x] * cb[y]));
        mi = Math.Max(mi, 0);
        if (mi == 0) return 0;
        double normaliser = (Entropy(ca, n) + Entropy(cb, n)) / 2;
        // sklearn guards the division with float64 machine epsilon the same way.
        return mi / Math.Max(normaliser, 2.220446049250313e-16);
    }

    static Dictionary<int, int> Counts(int[] labels)
    {
        var counts = new Dictionary<int, int>();
        foreach (var l in labels) counts[l] = counts.GetValueOrDefault(l) + 1;
        return counts;
    }

    static double Entropy(Dictionary<int, int> counts, int n) =>
        -counts.Values.Sum(c => (double)c / n * Math.Log((double)c / n));
}
