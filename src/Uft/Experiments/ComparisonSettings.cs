using System.Text.Json;
using System.Text.Json.Nodes;
using Uft.Evaluation;

namespace Uft.Experiments;

/// <summary>The settings a comparison folder records (comparison.json), so that its finished arms are only ever reused
/// by a run with the same settings.</summary>
public static partial class Comparison
{
    /// <summary>The name of the file in a comparison folder that records the settings its arms were made with.</summary>
    public const string SettingsFile = "comparison.json";

    /// <summary>
    /// Finished arms are reused by folder, so a folder must only ever hold one configuration: the first run writes
    /// its settings (all but the arm list, the folder and what does not change results), and a later run with other
    /// settings stops with the keys that differ instead of mixing arms trained differently.
    /// </summary>
    public static void CheckSettings(ComparisonConfig config)
    {
        var settings = JsonSerializer.SerializeToNode(config with
        {
            Arms = [], Name = "", OutputRoot = "", Workers = 0, KeepCheckpoints = false,
            Train = Path.GetFullPath(config.Train), Test = Path.GetFullPath(config.Test),
            Source = config.Source is null ? null : Path.GetFullPath(config.Source),
            SourceEval = config.SourceEval is null ? null : Path.GetFullPath(config.SourceEval),
        })!.AsObject();
        string file = Path.Combine(config.Folder, SettingsFile);
        if (File.Exists(file))
        {
            JsonObject saved;
            try { saved = JsonNode.Parse(File.ReadAllText(file))!.AsObject(); }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                throw new UftException($"{file}: unreadable ({e.Message}); delete it or the folder {config.Folder}");
            }
            var differ = Differences(saved, settings).ToList();
            if (differ.Count > 0)
                throw UftException.Usage($"{config.Folder} holds arms made with other settings ({string.Join(", ", differ)}); " +
                    "start over with --fresh (uft demo), delete the folder, or choose another --name / --output");
            return;
        }
        if (Directory.Exists(config.Folder) && Directory.EnumerateDirectories(config.Folder).Any())
            throw UftException.Usage($"{config.Folder} holds arms from an earlier version of uft that recorded no settings; " +
                "start over with --fresh (uft demo), delete the folder, or choose another --name / --output");
        AtomicFile.CreateDirectory(config.Folder);
        AtomicFile.WriteAllText(file, settings.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>What differs between two recorded settings, each as "--option old -> new", options named as typed
    /// (evaluation settings one level down).</summary>
    static IEnumerable<string> Differences(JsonObject saved, JsonObject now, bool eval = false)
    {
        foreach (var k in saved.Select(kv => kv.Key).Union(now.Select(kv => kv.Key)).Where(k => !JsonNode.DeepEquals(saved[k], now[k])))
        {
            if (!eval && k == nameof(ComparisonConfig.Eval) && saved[k] is JsonObject a && now[k] is JsonObject b)
            {
                foreach (var d in Differences(a, b, eval: true)) yield return d;
                continue;
            }
            yield return $"{OptionOf(k, eval)} {saved[k]?.ToJsonString() ?? "default"} -> {now[k]?.ToJsonString() ?? "default"}";
        }
    }

    /// <summary>The option of `uft compare` that sets a recorded setting (a property of <see cref="ComparisonConfig"/>, or
    /// of its <see cref="EvalOptions"/> when <paramref name="eval"/>).</summary>
    static string OptionOf(string key, bool eval) => (eval, key) switch
    {
        (false, nameof(ComparisonConfig.FreezeBn)) => "--bn (true = keep)",
        (true, nameof(EvalOptions.ProbeTrials)) => "--trials",
        (true, nameof(EvalOptions.ClusteringSeeds)) => "--kmeans-seeds",
        (true, nameof(EvalOptions.ProbeShots)) => "--shots",
        (true, nameof(EvalOptions.Seed)) => "--eval-seed",
        (true, nameof(EvalOptions.KShot)) => "--kshot-epochs / --kshot-trials",
        (true, nameof(EvalOptions.FixMatch)) => "--fixmatch-steps",
        (true, _) => $"evaluation setting {key}",
        _ => "--" + string.Concat(key.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString())),
    };
}
