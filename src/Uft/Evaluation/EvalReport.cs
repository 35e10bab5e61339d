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

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

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
