using System.Text.RegularExpressions;

namespace Uft.Tests.Commands;

/// <summary>`--help` of uft and of every command it lists (found from the help itself, branches such as `data`
/// included, so a new command is covered without editing this test) exits 0, writes nothing to stderr, and describes
/// every option with its default.
/// The convention: a description says "(default X)", "(default: ...)", "(default off)" for a flag, "the default", or
/// "Required." for an option without one; a [DefaultValue] column alone does not count, as it reads poorly for the
/// many options whose default comes from the preset or another option.</summary>
public partial class HelpTests
{
    [Fact]
    public void EveryCommandHelpRunsAndEveryOptionStatesItsDefault()
    {
        var problems = new List<string>();
        var commands = new List<string>();
        var pending = new Queue<string[]>([[]]);
        while (pending.TryDequeue(out var command))
        {
            string name = string.Join(' ', ["uft", .. command]);
            commands.Add(name);
            var r = Cli.Run([.. command, "--help"]);
            if (r.ExitCode != 0 || r.Stderr.Length > 0)
            {
                problems.Add($"{name} --help: exit {r.ExitCode}, stderr {r.Stderr.Trim()}");
                continue;
            }
            // Piped, Spectre lays help out at an unbounded width and padded every line to it (issue 36).
            if (r.Stdout.Split('\n').FirstOrDefault(l => l.TrimEnd('\r').EndsWith(' ')) is { } padded)
                problems.Add($"{name} --help: a line ends in spaces: '{padded.TrimEnd()}'");
            var sections = Sections(r.Stdout);
            foreach (var line in sections.GetValueOrDefault("COMMANDS") ?? [])
                pending.Enqueue([.. command, line.TrimStart().Split(' ')[0]]);
            foreach (var line in sections.GetValueOrDefault("OPTIONS") ?? [])
            {
                // stdout is a pipe here: each option is one line, "  -c, --config <FILE>   description".
                var m = OptionLine().Match(line);
                if (!m.Success) { problems.Add($"{name}: not an option line (wrapped?): '{line.Trim()}'"); continue; }
                string option = m.Groups["option"].Value, description = m.Groups["description"].Value;
                if (option is "--help" or "--version") continue; // Spectre's own
                if (!StatesDefault().IsMatch(description))
                    problems.Add($"{name} {option}: description '{description}' states no default (say '(default X)' or 'Required.')");
            }
        }
        Assert.Empty(problems);
        // Discovery found the top level, the verbs and the nested `data check`.
        Assert.Contains("uft", commands);
        Assert.Contains("uft finetune", commands);
        Assert.Contains("uft data check", commands);
        Assert.True(commands.Count >= 13, string.Join(", ", commands));
    }

    [Fact]
    public void BracketsInADescriptionAreText()
    {
        // "in (0, 1]" was read as Spectre markup and --help crashed part-way (issue 17).
        var r = Cli.Run("finetune", "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Share of the source set replayed, in (0, 1] (default 0.1)", r.Stdout);
    }

    /// <summary>Help text split at its headings ("OPTIONS:", "COMMANDS:"): the non-blank indented lines under each.</summary>
    static Dictionary<string, List<string>> Sections(string help)
    {
        var sections = new Dictionary<string, List<string>>();
        List<string>? current = null;
        foreach (var line in help.Split('\n').Select(l => l.TrimEnd()))
        {
            if (Heading().Match(line) is { Success: true } h) sections[h.Groups[1].Value] = current = [];
            else if (line.Length > 0 && char.IsWhiteSpace(line[0])) current?.Add(line);
            else current = null;
        }
        return sections;
    }

    [GeneratedRegex(@"^([A-Z][A-Z ]+):$")] private static partial Regex Heading();
    [GeneratedRegex(@"^\s+(?:-\w, )?(?<option>--[\w-]+)(?: <[^>]+>| \[[^\]]+\])?(?:\s{2,}(?<description>\S.*))?$")] private static partial Regex OptionLine();
    [GeneratedRegex(@"\bdefault\b|\bRequired\b", RegexOptions.IgnoreCase)] private static partial Regex StatesDefault();
}
