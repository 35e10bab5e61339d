using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Uft.Interop;
using Uft.Models;
using Uft.Pretrained;

namespace Uft.Cli.Commands;

/// <summary>`uft export`: a backbone's weights as safetensors, a torchvision .pth, or ONNX, chosen by the file extension.</summary>
sealed class ExportCommand : Command<ExportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--seed <N>")] [Description("Seeds the weights of a random-init backbone (default 0).")]
        public int Seed { get; init; }
        [CommandOption("--backbone <NAME|FILE|RUN>")] [Description("Backbone name (uft backbones), a weights file, or a run folder (its backbone.safetensors). Required.")]
        public string? Backbone { get; init; }
        [CommandOption("--output <FILE>")] [Description("file.safetensors, file.pth (torchvision state dict) or file.onnx. Required.")]
        public string? Output { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string output = settings.Output ?? throw UftException.Usage("--output: required; give file.safetensors, file.pth or file.onnx");
        string ext = Path.GetExtension(output).ToLowerInvariant();
        if (ext is not (".safetensors" or ".pth" or ".onnx"))
            throw UftException.Usage($"--output {output}: unknown format '{ext}'; end the name with .safetensors, .pth or .onnx");
        var (nameOrFile, label) = BackboneArgument.Resolve(settings.Backbone);
        TorchSharp.torch.manual_seed(settings.Seed); // a random-init backbone is then the same on every run
        var (model, architecture) = Backbones.Load(nameOrFile);
        using (model)
        {
            string? dir = Path.GetDirectoryName(Path.GetFullPath(output));
            if (dir is not null) AtomicFile.CreateDirectory(dir);
            switch (ext)
            {
                case ".safetensors":
                    // Only a built-in name goes into the metadata; other architectures are read back from the keys.
                    var metadata = new Dictionary<string, string> { ["uft"] = UftInfo.Version };
                    if (Backbones.All.Any(b => b.Name == architecture)) metadata[Backbones.ArchitectureKey] = architecture;
                    BackboneExport.SaveSafetensors(model, output, metadata);
                    break;
                case ".pth":
                    BackboneExport.SaveTorchvisionPth(model, output);
                    break;
                default:
                    if (!BackboneExport.TrySaveOnnx(model, output, out var reason))
                        throw UftException.Usage($"--output {output}: {label} cannot be written as ONNX: {reason}; export .safetensors or .pth instead");
                    break;
            }
        }
        AnsiConsole.MarkupLineInterpolated($"[bold]{label}[/] ({architecture}) → [bold]{output}[/] ({new FileInfo(output).Length / 1e6:F1} MB)");
        return 0;
    }
}
