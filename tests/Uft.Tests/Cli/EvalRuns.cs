namespace Uft.Tests.Commands;

/// <summary>
/// Shared CLI runs for the eval, export and report tests (each run starts a process, so they are made once):
/// resnet18 (random init, seed 0) exported to safetensors, then evaluated by file and by name on the demo data at 32 px.
/// </summary>
public sealed class EvalRuns
{
    public const int ImageSize = 32;
    public string Root { get; } = Paths.TempDir();
    public string Train => Path.Combine(Paths.Demo, "train");
    public string Test => Path.Combine(Paths.Demo, "test");
    public string Exported => Path.Combine(Root, "resnet18_seed0.safetensors");
    public string ByFile => Path.Combine(Root, "eval-file");
    public string ByName => Path.Combine(Root, "eval-name");
    internal Cli.Result Export { get; }
    internal Cli.Result EvalByFile { get; }
    internal Cli.Result EvalByName { get; }

    public EvalRuns()
    {
        Export = Cli.Run("export", "--backbone", "resnet18", "--seed", "0", "--output", Exported);
        EvalByFile = Eval(Exported, ByFile);
        EvalByName = Eval("resnet18", ByName);
    }

    Cli.Result Eval(string backbone, string output) => Cli.Run("eval", "--backbone", backbone, "--eval-seed", "0", "--kmeans-seeds", "3", "--train", Train, "--test", Test,
        "--image-size", ImageSize.ToString(), "--protocols", "retrieval,clustering", "--restarts", "2", "--output", output);
}
