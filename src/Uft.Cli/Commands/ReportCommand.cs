using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Uft.Reporting;

namespace Uft.Cli.Commands;

/// <summary>`uft report`: one self-contained HTML page comparing run and evaluation folders.</summary>
sealed class ReportCommand : Command<ReportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<folders>")] [Description("Run folders (uft finetune/pretrain), evaluation folders or eval.json files.")]
        public string[] Folders { get; init; } = [];
        [CommandOption("--output <FILE>")] [Description("The HTML file to write (default report.html).")]
        public string Output { get; init; } = "report.html";
        [CommandOption("--title <TEXT>")] [Description("Page title (default UFT report).")]
        public string? Title { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var runs = settings.Folders.Select(ReportRun.Load).ToList();
        string? dir = Path.GetDirectoryName(Path.GetFullPath(settings.Output));
        if (dir is not null) AtomicFile.CreateDirectory(dir);
        HtmlReport.Write(settings.Output, runs, settings.Title);
        if (HtmlReport.SettingsNotice(runs) is { } notice) AnsiConsole.MarkupLineInterpolated($"[yellow]warning:[/] {notice}");
        if (HtmlReport.PairingNotice(runs) is { } pairing) AnsiConsole.MarkupLineInterpolated($"[yellow]warning:[/] {pairing}");
        AnsiConsole.MarkupLineInterpolated($"{runs.Count} run(s) → [bold]{settings.Output}[/] ({new FileInfo(settings.Output).Length / 1024} KB)");
        return 0;
    }
}
