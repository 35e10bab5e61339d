using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Uft.Data;
using Uft.Data.Augmentations;
using Uft.Evaluation;
using Uft.Models;
using Uft.Pretrained;

namespace Uft.Cli.Commands;

/// <summary>`uft embed`: a folder's features (pooled, L2-normalised) as .npy files for use outside UFT.</summary>
sealed class EmbedCommand : Command<EmbedCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--seed <N>")] [Description("Seeds the weights of a random-init backbone (default 0).")]
        public int Seed { get; init; }
        [CommandOption("--backbone <NAME|FILE|RUN>")] [Description("Backbone name (uft backbones), a weights file, or a run folder (its backbone.safetensors). Required.")]
        public string? Backbone { get; init; }
        [CommandOption("--folder <DIR>")] [Description("Images: labelled (root/<class>/<image>) or any tree of images (labels -1). Required.")]
        public string? Folder { get; init; }
        [CommandOption("--output <DIR>")] [Description("Folder for features.npy (float32, N x D), labels.npy (int64, N) and paths.txt. Required.")]
        public string? Output { get; init; }
        [CommandOption("--image-size <PX>")] [Description("Input size; the shorter side is resized to it and the centre square kept, the whole image as in training (default 224).")]
        public int ImageSize { get; init; } = 224;
        [CommandOption("--batch-size <N>")] [Description("Images per forward pass (default 64).")]
        public int BatchSize { get; init; } = 64;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Folder is null) throw UftException.Usage("--folder: required; give a folder of images");
        if (settings.Output is null) throw UftException.Usage("--output: required; give a folder for features.npy, labels.npy and paths.txt");
        if (settings.ImageSize < 16) throw UftException.Usage($"--image-size: {settings.ImageSize} is too small; give at least 16");
        if (settings.BatchSize < 1) throw UftException.Usage($"--batch-size: {settings.BatchSize} must be at least 1");
        var (nameOrFile, label) = BackboneArgument.Resolve(settings.Backbone);
        using var interrupt = new Interrupt(cancellationToken);
        bool labelled = Directory.Exists(settings.Folder) && Directory.EnumerateDirectories(settings.Folder).Any();
        var folder = ProgressBars.Run($"scanning {settings.Folder}", p =>
        {
            var scan = new SyncProgress<ScanProgress>(s => p.Report((s.Done, s.Total)));
            return labelled ? ImageFolder.Labeled(settings.Folder, ScanCheck.Header, scan, interrupt.Token)
                : ImageFolder.Unlabeled(settings.Folder, ScanCheck.Header, scan, interrupt.Token);
        });
        TorchSharp.torch.manual_seed(settings.Seed); // a random-init backbone is then the same on every run
        var (model, _) = Backbones.Load(nameOrFile);
        using (model)
        {
            var transform = new EvalTransform(settings.ImageSize, InputNorm.ImageNet);
            var (features, labels) = EvalProgressBars.Run(p => Features.Extract(model, folder.Items, transform, settings.BatchSize, p, interrupt.Token));
            using (features)
            {
                Embeddings.Write(settings.Output, features, labels, folder.Items.Select(i => i.Path).ToList());
                string classes = labelled ? $"{folder.Classes.Count} classes" : "unlabelled";
                AnsiConsole.MarkupLineInterpolated($"[bold]{label}[/]: {features.shape[0]} x {features.shape[1]} features, {classes} → {Path.Combine(settings.Output, "features.npy")}, labels.npy, paths.txt");
            }
        }
        if (folder.Skipped.Count > 0) AnsiConsole.MarkupLineInterpolated($"[yellow]{folder.Skipped.Count} files skipped[/] (see uft data check {settings.Folder})");
        return 0;
    }
}
