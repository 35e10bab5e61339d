using Spectre.Console;
using Spectre.Console.Rendering;

namespace Uft.Cli.Commands;

/// <summary>The console every command writes to. On a terminal Spectre fits output to the window. Piped or redirected
/// (a log, CI, `| tee`) there is no window: Spectre would wrap at 80 columns and cut notices, paths and table cells in
/// two, so there the width is unbounded (each message stays one line) and tables are Markdown (`| a | b |`), which
/// reads in a log and pastes into an issue or a results file.</summary>
static class Terminal
{
    /// <summary>Wide enough that no message or table row of ours wraps; Spectre lays out up to this width, it does not
    /// pad to it (tables are not expanded).</summary>
    const int RedirectedWidth = 100_000;

    /// <summary>Whether stdout goes somewhere other than a terminal.</summary>
    public static bool Redirected => Console.IsOutputRedirected;

    /// <summary>Makes <see cref="AnsiConsole.Console"/> (also used for --help) right for where stdout goes; returns it.</summary>
    public static IAnsiConsole Configure()
    {
        if (Redirected)
        {
            // Spectre pads help's grid to the console's width: through this writer no line keeps its trailing spaces.
            AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors,
                Out = new AnsiConsoleOutput(new TrimEndWriter(Console.Out)),
            });
            AnsiConsole.Console.Profile.Width = RedirectedWidth;
        }
        return AnsiConsole.Console;
    }

    /// <summary>A table with cells taken as plain text, never as markup: names, paths and values may hold '[' or ']'.</summary>
    public static Table PlainTable(params string[] columns)
    {
        var table = new Table();
        foreach (var c in columns) table.AddColumn(new TableColumn(new Text(c)));
        return table;
    }

    /// <summary>Adds a row of plain-text cells (no markup).</summary>
    public static Table AddPlainRow(this Table table, params IEnumerable<string> cells) =>
        table.AddRow(cells.Select(c => (IRenderable)new Text(c)));

    /// <summary>Writes a table: boxed on a terminal; redirected, as a Markdown table under its title, with no padding
    /// at the ends of lines and no blank border lines.</summary>
    public static void Write(Table table)
    {
        if (!Redirected)
        {
            AnsiConsole.Write(table);
            return;
        }
        if (table.Title is { } title)
        {
            AnsiConsole.MarkupLine(title.Text);
            table.Title = null;
        }
        table.Border(TableBorder.Markdown);
        var text = new StringWriter();
        var plain = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(text),
        });
        plain.Profile.Width = RedirectedWidth;
        plain.Write(table);
        foreach (var line in text.ToString().Split('\n'))
            if (line.TrimEnd() is { Length: > 0 } row) AnsiConsole.Console.WriteLine(row, Style.Plain);
    }
}

/// <summary>A writer that drops the spaces at the end of each line: spaces are held back until something other than a
/// line end follows them, so a line written in pieces (or flushed half-way) loses only its trailing run.</summary>
sealed class TrimEndWriter(TextWriter inner) : TextWriter
{
    readonly System.Text.StringBuilder held = new();

    public override System.Text.Encoding Encoding => inner.Encoding;

    public override void Write(char value) => Write(value.ToString());

    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        var text = new System.Text.StringBuilder(value.Length);
        foreach (char c in value)
        {
            if (c == ' ') { held.Append(c); continue; }
            if (c is not ('\n' or '\r')) text.Append(held);
            held.Clear();
            text.Append(c);
        }
        if (text.Length > 0) inner.Write(text.ToString());
    }

    public override void Flush() => inner.Flush();
}
