using System.Text.Json;
using System.Text.Json.Serialization;

namespace Uft.Evaluation;

/// <summary>
/// What <c>uft eval</c> writes to eval.json: metric name -> mean/std/per-trial values (accuracies as fractions),
/// wall time per protocol, the settings used, per-class figures, a retrieval sample to look at, and the name of the
/// t-SNE maps' file beside it. Data only: Uft.Reporting draws the pictures.
/// </summary>
public sealed record EvalReport
{
    public const string ImageSizeSetting = "image_size";
    public const string CropRatioSetting = "crop_ratio";
    public const string ProbeSetting = "probe";
    public const string ClusteringSetting = "clustering";
    /// <summary>The kNN k used (the asked k capped by the train set).</summary>
    public const string KnnKSetting = "knn_k";
    /// <summary>The seed of the evaluation's draws (K-shot images, K-means starts, t-SNE): apart from any training seed.</summary>
    public const string EvalSeedSetting = "eval_seed";
    /// <summary>The settings that change every number: evaluations that differ in one of them are not comparable.</summary>
    public static readonly string[] ComparedSettings = [ImageSizeSetting, CropRatioSetting, ProbeSetting, ClusteringSetting];

    public string Backbone { get; init; } = "";
    public string? Command { get; init; }
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UtcNow;
    public Dictionary<string, MetricSummary> Metrics { get; init; } = [];
    /// <summary>Wall-clock seconds per protocol.</summary>
    public Dictionary<string, double> Seconds { get; init; } = [];
    public Dictionary<string, string> Settings { get; init; } = [];
    /// <summary>Class names, index = label: the order of the <see cref="PerClass"/> values.</summary>
    public IReadOnlyList<string> Classes { get; init; } = [];
    /// <summary>Metric name -> its value per class on the test images (NaN for a class without any): retrieval
    /// precision and kNN recall, so a report can tell which classes a change helped and which it hurt.</summary>
    public Dictionary<string, double[]> PerClass { get; init; } = [];
    public RetrievalSample? RetrievalSample { get; init; }
    /// <summary>The t-SNE maps' file (<see cref="TSneMap"/>), relative to the folder of eval.json; null when none were made.</summary>
    [JsonPropertyName("tsne_file")]
    public string? TSneFile { get; init; }
    /// <summary>Linear probe fits: "linear_probe" and "probe_K" -> per trial the λ used, L-BFGS iterations, final
    /// gradient and whether it converged.</summary>
    public Dictionary<string, ProbeFit[]> Fits { get; init; } = [];

    /// <summary>Label-free measures of the train images' features (<see cref="Evaluation.LabelFree"/>), e.g. "rankme",
    /// "snd"; null where not computed. Candidates, not verdicts: docs/evaluation.md.</summary>
    public Dictionary<string, double>? LabelFree { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The <see cref="ComparedSettings"/> of this evaluation in one line ("unrecorded" for a file written
    /// before they were recorded): two evaluations compare when their lines are equal.</summary>
    [JsonIgnore]
    public string Protocol => string.Join("; ", ComparedSettings.Select(k => $"{k.Replace('_', ' ')} {Settings.GetValueOrDefault(k) ?? "unrecorded"}"));

    /// <summary>Why this evaluation's draws cannot be paired with <paramref name="other"/>'s, or null when they can: both
    /// must have recorded the same evaluation seed, train and test folders and comparable settings, so that draw i of a
    /// metric (trial, K-means seed, test query) is the same draw in both.</summary>
    public string? PairingProblem(EvalReport other)
    {
        foreach (var key in ComparedSettings.Append(EvalSeedSetting).Append("train").Append("test"))
        {
            string? a = Settings.GetValueOrDefault(key), b = other.Settings.GetValueOrDefault(key);
            if (a is null || b is null) return $"{key.Replace('_', ' ')} unrecorded";
            if (a != b) return $"{key.Replace('_', ' ')} {a} against {b}";
        }
        return null;
    }

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    public static EvalReport Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<EvalReport>(File.ReadAllText(path), Json) ?? throw UftException.Usage($"{path}: empty evaluation file");
        }
        catch (JsonException e)
        {
            throw UftException.Usage($"{path}: not an eval.json written by uft eval ({e.Message})");
        }
    }
}
