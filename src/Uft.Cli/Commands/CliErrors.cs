using Spectre.Console;
using Spectre.Console.Cli;

namespace Uft.Cli.Commands;

/// <summary>Turns exceptions into one red line and an exit code: 2 for usage errors, 1 for failures. --verbose adds the stack trace.</summary>
static class CliErrors
{
    public static int Run(CommandApp app, string[] args)
    {
        bool verbose = args.Contains("--verbose");
        try
        {
            return app.Run(args.Where(a => a != "--verbose").ToArray());
        }
        catch (Exception e)
        {
            var (message, code) = e switch
            {
                Uft.UftException u => (u.Message, u.IsUsage ? 2 : 1),
                CommandParseException or CommandRuntimeException => (e.Message, 2),
                OperationCanceledException => ("cancelled", 130),
                _ => ($"{e.GetType().Name}: {e.Message}", 1),
            };
            // One line even where the console is narrow or redirected (Spectre wraps at 80 columns there).
            AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, message.Length + 8);
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {message}");
            if (verbose) AnsiConsole.WriteException(e);
            return code;
        }
    }
}
