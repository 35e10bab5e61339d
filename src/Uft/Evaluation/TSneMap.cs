using System.Text.Json;

namespace Uft.Evaluation;

/// <summary>
/// One 2-D t-SNE map of features, as data: a point per image with its group (a class, or target/source) and the
/// group names. <see cref="EvalSuite"/> writes the maps to a file beside eval.json; Uft.Reporting draws them.
/// </summary>
/// <param name="Name">A short name for file names ("target", "source_target").</param>
public sealed record TSneMap(string Name, string Title, IReadOnlyList<string> GroupNames, int[] Groups, float[] X, float[] Y)
{
    /// <summary>The maps' file, beside eval.json.</summary>
    public const string FileName = "tsne.json";

    // One line, not indented: a few thousand points would otherwise be tens of thousands of lines. A missing or null
    // field is an error on reading, not a null array.
    static readonly JsonSerializerOptions Json = new(EvalReport.Json)
    {
        WriteIndented = false, RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true,
    };

    public static void Save(string path, IReadOnlyList<TSneMap> maps) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(maps, Json));

    public static IReadOnlyList<TSneMap> Load(string path)
    {
        try
        {
            var maps = JsonSerializer.Deserialize<List<TSneMap>>(File.ReadAllText(path), Json) ?? [];
            foreach (var m in maps)
                if (m.X.Length != m.Groups.Length || m.Y.Length != m.Groups.Length || m.Groups.Any(g => g < 0 || g >= m.GroupNames.Count))
                    throw new JsonException($"map '{m.Name}': coordinates, groups and group names do not line up");
            return maps;
        }
        catch (JsonException e)
        {
            throw UftException.Usage($"{path}: not a t-SNE file written by uft eval ({e.Message})");
        }
    }
}
