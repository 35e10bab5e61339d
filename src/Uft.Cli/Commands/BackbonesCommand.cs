using Spectre.Console;
using Spectre.Console.Cli;
using Uft.Models;

namespace Uft.Cli.Commands;

sealed class BackbonesCommand : Command
{
    public override int Execute(CommandContext context, CancellationToken cancellationToken)
    {
        var table = new Table().AddColumns("name", "architecture", "features", "weights", "status");
        foreach (var b in Backbones.All)
            table.AddRow(b.Name, Markup.Escape(b.Architecture), b.FeatureDim.ToString(), Markup.Escape(b.Weights), Markup.Escape(b.Status));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("Any [bold]--backbone[/] also takes a file: a UFT backbone.safetensors, a torchvision ResNet state dict or a MoCo checkpoint (.pth, .pth.tar: torch.save zip or pre-1.6 format, read without Python).");
        return 0;
    }
}
