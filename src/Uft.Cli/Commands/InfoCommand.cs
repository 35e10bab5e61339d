using Spectre.Console;
using Spectre.Console.Cli;

namespace Uft.Cli.Commands;

sealed class InfoCommand : Command
{
    public override int Execute(CommandContext context, CancellationToken cancellationToken)
    {
        var table = new Table().HideHeaders().AddColumns("", "");
        foreach (var (key, value) in Uft.UftInfo.Describe()) table.AddRow(key, Markup.Escape(value));
        AnsiConsole.Write(table);
        return 0;
    }
}
