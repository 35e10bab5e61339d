using System.Text.Json;
using System.Text.Json.Serialization;

namespace Uft.Evaluation;

/// <summary>
/// What <c>uft eval</c> writes to eval.json: metric name -> mean/std/per-trial values (accuracies as fractions),
/// wall time per protocol, the settings used and the pictures written beside the file.
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
    /// <summary>Picture name -> PNG file name, relative to the folder of eval.json.</summary>
    public Dictionary<string, string> Pictures { get; init; } = [];

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
