using Uft.Models;
using Uft.Pretrained;

namespace Uft.Cli.Commands;

/// <summary>What --backbone names: a built-in backbone, a weights file, or a run folder (its backbone.safetensors).</summary>
static class BackboneArgument
{
    /// <returns>The name or file to give <see cref="Backbones.Load"/>, and a short label for output folders and tables.</returns>
    public static (string NameOrFile, string Label) Resolve(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) throw UftException.Usage("--backbone: required; give a name (uft backbones), a weights file or a run folder");
        if (Directory.Exists(value))
        {
            string file = Path.Combine(value, "backbone.safetensors");
            if (!File.Exists(file))
                throw UftException.Usage($"--backbone {value}: run folder without backbone.safetensors; let the run finish (or resume it) or give a weights file");
            return (file, new DirectoryInfo(value).Name);
        }
        return (value, File.Exists(value) ? Path.GetFileNameWithoutExtension(value) : value);
    }

    public static (ResNet Model, string Label) Load(string? value)
    {
        var (nameOrFile, label) = Resolve(value);
        var (model, _) = Backbones.Load(nameOrFile);
        return (model, label);
    }

    /// <summary>The command line as typed, for eval.json and reports.</summary>
    public static string CommandLine() =>
        "uft " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1).Select(a => a.Contains(' ') || a.Length == 0 ? $"\"{a}\"" : a));
}
