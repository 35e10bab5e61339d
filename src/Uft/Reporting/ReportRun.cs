using System.Text.Json;
using Uft.Evaluation;

namespace Uft.Reporting;

/// <summary>
/// What the report shows of one run or evaluation folder: eval.json (metrics, per-class figures, retrieval sample) and
/// the t-SNE maps it names, metrics.jsonl (training curves), command.txt and any other JSON files in the folder
/// (configs), each where present.
/// </summary>
public sealed record ReportRun(string Name, string Folder, EvalReport? Eval, IReadOnlyList<TrainingPoint> Curve, string? Command,
    IReadOnlyDictionary<string, string> Configs, IReadOnlyList<TSneMap> Maps)
{
    const int MaxConfigChars = 20_000;

    static readonly JsonSerializerOptions LineJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        PropertyNameCaseInsensitive = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <param name="path">A run or evaluation folder, or an eval.json file.</param>
    public static ReportRun Load(string path)
    {
        string folder = File.Exists(path) ? Path.GetDirectoryName(Path.GetFullPath(path))! : path;
        if (!Directory.Exists(folder)) throw UftException.Usage($"{path}: folder not found");
        string evalPath = File.Exists(path) ? path : Path.Combine(folder, "eval.json");
        string metricsPath = Path.Combine(folder, "metrics.jsonl");
        if (!File.Exists(evalPath) && !File.Exists(metricsPath))
            throw UftException.Usage($"{path}: neither eval.json nor metrics.jsonl here; give a folder written by uft train or uft eval");
        var eval = File.Exists(evalPath) ? EvalReport.Load(evalPath) : null;
        var curve = File.Exists(metricsPath) ? ReadCurve(metricsPath) : [];
        string commandPath = Path.Combine(folder, "command.txt");
        string? command = File.Exists(commandPath) ? File.ReadAllText(commandPath).Trim() : eval?.Command;
        string? mapsPath = eval?.TSneFile is { } t ? Path.GetFullPath(Path.Combine(folder, t)) : null;
        var configs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Where(f => Path.GetFullPath(f) != Path.GetFullPath(evalPath) && Path.GetFullPath(f) != mapsPath))
        {
            string text = File.ReadAllText(file);
            configs[Path.GetFileName(file)] = text.Length > MaxConfigChars ? text[..MaxConfigChars] + "\n…" : text;
        }
        var maps = mapsPath is not null && File.Exists(mapsPath) ? TSneMap.Load(mapsPath) : [];
        string name = new DirectoryInfo(folder).Name;
        return new ReportRun(name, Path.GetFullPath(folder), eval, curve, command, configs, maps);
    }

    // Complete lines only: a run being written (or cut off) may end the file with part of a line, which is left out.
    static List<TrainingPoint> ReadCurve(string path)
    {
        var points = new List<TrainingPoint>();
        int lineNo = 0;
        var lines = File.ReadAllText(path).Split('\n');
        foreach (var line in lines[..^1])
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                points.Add(JsonSerializer.Deserialize<TrainingPoint>(line, LineJson)!);
            }
            catch (JsonException e)
            {
                throw UftException.Usage($"{path}:{lineNo}: not a metrics line {{epoch, step, loss, lr, ...}} ({e.Message})");
            }
        }
        return points;
    }
}
