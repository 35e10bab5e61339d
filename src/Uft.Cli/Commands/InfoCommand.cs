using Spectre.Console;
using Spectre.Console.Cli;

namespace Uft.Cli.Commands;

sealed class InfoCommand : Command
{
    public override int Execute(CommandContext context, CancellationToken cancellationToken)
    {
        var table = Terminal.PlainTable("", "").HideHeaders();
        foreach (var (key, value) in Uft.UftInfo.Describe()) table.AddPlainRow(key, value);
        Terminal.Write(table);
        return 0;
    }
}
