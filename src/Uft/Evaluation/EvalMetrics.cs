namespace Uft.Evaluation;

/// <summary>The metric names used in eval.json, in the order reports list them.</summary>
public static class EvalMetrics
{
    public const string Retrieval = "retrieval_top5";
    public const string ClusteringPrecision = "clustering_bcubed_precision";
    public const string ClusteringRecall = "clustering_bcubed_recall";
    public const string ClusteringF1 = "clustering_bcubed_f1";
    public const string ClusteringNmi = "clustering_nmi";
    public const string Knn = "knn_top1";
    public const string LinearProbeTop1 = "linear_probe_top1";
    public const string LinearProbeMeanClass = "linear_probe_mean_class";
    public const string SourceClusteringPrecision = "source_clustering_bcubed_precision";
    public const string SourceClusteringNmi = "source_clustering_nmi";

    public static string KShotTop1(int k) => $"kshot_{k}_top1";
    public static string KShotMeanClass(int k) => $"kshot_{k}_mean_class";
    public static string ProbeTop1(int k) => $"probe_{k}_top1";
    public static string ProbeMeanClass(int k) => $"probe_{k}_mean_class";
    public static string SemiTop1(int k) => $"semi_{k}_top1";
    public static string SemiMeanClass(int k) => $"semi_{k}_mean_class";

    /// <summary>Sort key: the fixed metrics first, then k-shot and semi by K, top-1 before mean-class.</summary>
    public static (int, int, string) Order(string name)
    {
        string[] fixedOrder = [Retrieval, ClusteringPrecision, ClusteringRecall, ClusteringF1, ClusteringNmi, Knn, LinearProbeTop1, LinearProbeMeanClass, SourceClusteringPrecision, SourceClusteringNmi];
        int i = Array.IndexOf(fixedOrder, name);
        if (i >= 0) return (i, 0, name);
        var parts = name.Split('_');
        int group = parts[0] switch { "probe" => 50, "kshot" => 100, "semi" => 200, _ => 300 };
        return (group, parts.Length > 1 && int.TryParse(parts[1], out int k) ? k : 0, name.EndsWith("_top1") ? "" : name);
    }

    /// <summary><see cref="Describe(string)"/> with what an evaluation's settings tell: the kNN k it used.</summary>
    public static string Describe(string metric, IReadOnlyDictionary<string, string> settings) =>
        metric == Knn && settings.TryGetValue(EvalReport.KnnKSetting, out var k) ? $"kNN accuracy (k = {k}, T = 0.1)" : Describe(metric);

    /// <summary>A reader's name for a metric, e.g. "4-shot, mean-class", for tables.</summary>
    public static string Describe(string metric) => metric switch
    {
        Retrieval => "Retrieval accuracy (top-5)",
        ClusteringPrecision => "Clustering accuracy (BCubed precision)",
        ClusteringRecall => "BCubed recall",
        ClusteringF1 => "BCubed F1",
        ClusteringNmi => "NMI",
        Knn => "kNN accuracy (k = 200, T = 0.1)",
        LinearProbeTop1 => "Linear probe, top-1",
        LinearProbeMeanClass => "Linear probe, mean-class",
        SourceClusteringPrecision => "Source clustering accuracy",
        SourceClusteringNmi => "Source NMI",
        _ when metric.Split('_') is [var kind, var k, .. var rest] && int.TryParse(k, out _) =>
            $"{kind switch { "kshot" => $"{k}-shot finetune", "probe" => $"{k}-shot linear probe", _ => $"Semi-{k}" }}, {(string.Join(' ', rest) == "top1" ? "top-1" : "mean-class")}",
        _ => metric,
    };
}
