using System.Text.Json;
using System.Text.Json.Serialization;

namespace Uft.Evaluation;

/// <summary>
/// What <c>uft eval</c> writes to eval.json: metric name -> mean/std/per-trial values (accuracies as fractions),
/// wall time per protocol, the settings used and the pictures written beside the file.
/// </summary>
public sealed record EvalReport
{
    public const string ImageSizeSetting = "image_size";
    public const string CropRatioSetting = "crop_ratio";
    public const string ProbeSetting = "probe";
    /// <summary>The kNN k used (the asked k capped by the train set).</summary>
    public const string KnnKSetting = "knn_k";
    /// <summary>The settings that change every number: evaluations that differ in one of them are not comparable.</summary>
    public static readonly string[] ComparedSettings = [ImageSizeSetting, CropRatioSetting, ProbeSetting];

    public string Backbone { get; init; } = "";
    public string? Command { get; init; }
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UtcNow;
    public Dictionary<string, MetricSummary> Metrics { get; init; } = [];
    /// <summary>Wall-clock seconds per protocol.</summary>
    public Dictionary<string, double> Seconds { get; init; } = [];
    public Dictionary<string, string> Settings { get; init; } = [];
    /// <summary>Linear probe fits: "linear_probe" and "probe_K" -> per trial the λ used, L-BFGS iterations, final
    /// gradient and whether it converged.</summary>
    public Dictionary<string, ProbeFit[]> Fits { get; init; } = [];
    /// <summary>Picture name -> PNG file name, relative to the folder of eval.json.</summary>
    public Dictionary<string, string> Pictures { get; init; } = [];

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

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));

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
