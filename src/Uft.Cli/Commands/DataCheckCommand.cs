using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Uft.Data;

namespace Uft.Cli.Commands;

sealed class DataCheckCommand : Command<DataCheckCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<folder>")]
        [Description("An ImageFolder (folder/<class>/<image>) or, with --unlabeled, any tree of images.")]
        public string Folder { get; init; } = "";

        [CommandOption("--unlabeled")]
        [Description("Treat the folder as unlabeled: every image below it, no classes (default off: class folders).")]
        public bool Unlabeled { get; init; }

        [CommandOption("--header-only")]
        [Description("Check file headers only (fast) instead of decoding every image (default off: decode all).")]
        public bool HeaderOnly { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var check = settings.HeaderOnly ? ScanCheck.Header : ScanCheck.Full;
        var folder = ProgressBars.Run($"checking {settings.Folder}", p =>
        {
            var progress = new SyncProgress<ScanProgress>(s => p.Report((s.Done, s.Total)));
            return settings.Unlabeled
                ? ImageFolder.Unlabeled(settings.Folder, check, progress, cancellationToken)
                : ImageFolder.Labeled(settings.Folder, check, progress, cancellationToken);
        });
        var report = DataReport.Create(folder);
        if (folder.IsLabeled)
        {
            var table = Terminal.PlainTable("class", "images").Title($"{folder.Classes.Count} classes, {folder.Count} images");
            var counts = folder.ClassCounts();
            foreach (var (name, count) in folder.Classes.Zip(counts)) table.AddPlainRow(name, count.ToString());
            table.Columns[1].RightAligned();
            Terminal.Write(table);
        }
        AnsiConsole.MarkupLine($"[bold]{folder.Count}[/] images" + (folder.IsLabeled ? $" in [bold]{folder.Classes.Count}[/] classes" : " (unlabeled)"));
        if (report.SizeRange is { } r)
            AnsiConsole.MarkupLineInterpolated($"image sizes: width {r.MinWidth}–{r.MaxWidth}, height {r.MinHeight}–{r.MaxHeight} px");
        if (folder.IsLabeled && folder.ClassCounts().Min() < 2)
            AnsiConsole.MarkupLine("[yellow]warning:[/] a class has fewer than 2 images; K-shot and retrieval need at least 2 a class");
        if (folder.Skipped.Count == 0)
        {
            AnsiConsole.MarkupLine("[green]no files skipped[/]");
            return 0;
        }
        AnsiConsole.MarkupLineInterpolated($"[yellow]{folder.Skipped.Count} of {folder.Skipped.Count + folder.Count} files skipped:[/]");
        foreach (var s in folder.Skipped) AnsiConsole.MarkupLineInterpolated($"  {s.Path}: {s.Reason}");
        return 0;
    }
}
