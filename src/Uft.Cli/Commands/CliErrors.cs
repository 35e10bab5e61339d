using System.Reflection;
using System.Text.RegularExpressions;
using Spectre.Console.Cli;

namespace Uft.Cli.Commands;

/// <summary>Turns exceptions into one red line on stderr and an exit code: 2 for usage errors (ours and the parser's),
/// 1 for failures, 130 (Ctrl-C) or 143 (SIGTERM) for a cancelled command. --verbose adds the stack trace.</summary>
static partial class CliErrors
{
    public static int Run(CommandApp app, string[] args)
    {
        bool verbose = args.Contains("--verbose");
        // An unknown option is an error, not an argument quietly left over.
        app.Configure(c => c.UseStrictParsing());
        try
        {
            return app.Run(args.Where(a => a != "--verbose").ToArray());
        }
        catch (Exception e)
        {
            var (message, code) = e switch
            {
                Uft.UftException u => (u.Message, u.IsUsage ? 2 : 1),
                CommandParseException or CommandRuntimeException => (ParserMessage(e.Message, args), 2),
                OperationCanceledException => ("cancelled", Interrupt.ExitCode),
                // libtorch's own message, without its C++ frames; the run's checkpoints make a rerun cheap.
                System.Runtime.InteropServices.ExternalException x => ($"libtorch: {x.Message.Split("Exception raised from")[0].Trim()}; " +
                    "finished work is kept: run the command again (uft finetune / pretrain: with --resume); --verbose shows the trace", 1),
                _ => ($"{e.GetType().Name}: {e.Message}", 1),
            };
            // Plain stderr, not Spectre's console: a message is never wrapped at the terminal width, so it stays one line.
            bool colour = !Console.IsErrorRedirected;
            Console.Error.WriteLine((colour ? "\e[31merror:\e[0m " : "error: ") + OneLine(message));
            if (verbose) Console.Error.WriteLine(e);
            return code;
        }
    }

    static string OneLine(string message) => string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>Spectre's parse errors reworded to name the option and what to give, e.g.
    /// "Failed to convert 'abc' to Nullable`1." becomes "--epochs abc: not a whole number; give one, see --help".</summary>
    public static string ParserMessage(string message, IReadOnlyList<string> args)
    {
        // An option that takes a value but is followed by another option or nothing (Spectre then reports a conversion
        // of some internal name).
        for (int i = 0; i < args.Count; i++)
            if (Option(args[i]) is { } o && o.TakesValue && !args[i].Contains('=') && (i + 1 == args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal)))
                return $"{args[i]}: needs a value ({Expected(o.Type)}); see --help";
        if (ConversionFailed().Match(message) is { Success: true } m)
        {
            string value = m.Groups[1].Value;
            for (int i = 0; i < args.Count; i++)
            {
                string name = args[i].Split('=', 2)[0];
                bool inline = args[i] == name + "=" + value, separate = args[i] == name && i + 1 < args.Count && args[i + 1] == value;
                if ((inline || separate) && Option(name) is { } o)
                    return $"{name} {value}: not {Expected(o.Type)}; give {Expected(o.Type)}, see --help";
            }
            return $"'{value}': not a valid value; see --help";
        }
        if (UnknownOption().Match(message) is { Success: true } u)
            return $"{(u.Groups[1].Value.Length == 1 ? "-" : "--")}{u.Groups[1].Value}: unknown option; see --help for the options";
        return message.TrimEnd('.') + "; see --help";
    }

    // The option (--name, -n) as declared on any command's settings: whether it takes a value, and its value type.
    static (bool TakesValue, Type Type)? Option(string arg)
    {
        if (!arg.StartsWith('-')) return null;
        string name = arg.Split('=', 2)[0].TrimStart('-');
        var property = typeof(CliErrors).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(CommandSettings)))
            .SelectMany(t => t.GetProperties())
            .FirstOrDefault(p => p.GetCustomAttribute<CommandOptionAttribute>() is { } a && (a.LongNames.Contains(name) || a.ShortNames.Contains(name)));
        if (property is null) return null;
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return (type != typeof(bool), type);
    }

    static string Expected(Type type) =>
        type == typeof(int) || type == typeof(long) ? "a whole number" : type == typeof(double) || type == typeof(float) ? "a number" : "a value";

    [GeneratedRegex(@"Failed to convert '(.*)' to")] private static partial Regex ConversionFailed();
    [GeneratedRegex(@"Unknown option '([^']+)'")] private static partial Regex UnknownOption();
}
