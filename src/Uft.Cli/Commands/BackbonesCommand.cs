using Spectre.Console;
using Spectre.Console.Cli;
using Uft.Models;
using Uft.Pretrained;

namespace Uft.Cli.Commands;

sealed class BackbonesCommand : Command
{
    public override int Execute(CommandContext context, CancellationToken cancellationToken)
    {
        var table = Terminal.PlainTable("name", "architecture", "features", "weights", "status");
        foreach (var b in Backbones.All) table.AddPlainRow(b.Name, b.Architecture, b.FeatureDim.ToString(), b.Weights, b.Status);
        Terminal.Write(table);
        AnsiConsole.MarkupLine("Any [bold]--backbone[/] also takes a file: a UFT backbone.safetensors, a torchvision ResNet state dict or a MoCo checkpoint (.pth, .pth.tar: torch.save zip or pre-1.6 format, read without Python).");
        return 0;
    }
}
