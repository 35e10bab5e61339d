using System.Text.Json;
using System.Text.Json.Nodes;

namespace Uft.Experiments;

/// <summary>What an arm's training and evaluation took when they ran (times.json in its folder), so that a rerun
/// reusing the arm reports those times, not the zero seconds the reuse took.</summary>
static class ArmTimes
{
    const string FileName = "times.json";

    /// <summary>Seconds as times.json keeps them (a tenth).</summary>
    public static double Rounded(double seconds) => Math.Round(seconds, 1);

    public static void Save(string folder, double trainSeconds, double evalSeconds) =>
        AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(new { train_seconds = Rounded(trainSeconds), eval_seconds = Rounded(evalSeconds) }));

    /// <summary>The recorded times; NaN for an arm whose folder has none (made before they were recorded).</summary>
    public static (double Train, double Eval) Load(string folder)
    {
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, FileName)))!;
            return (node["train_seconds"]!.GetValue<double>(), node["eval_seconds"]!.GetValue<double>());
        }
        catch (Exception e) when (e is IOException or JsonException or NullReferenceException or InvalidOperationException or FormatException)
        {
            return (double.NaN, double.NaN);
        }
    }
}
