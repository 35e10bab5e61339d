using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;
using Uft.Evaluation;
using Uft.Experiments;

namespace Uft.Cli.Commands;

/// <summary>
/// `uft demo`: the ImageNet backbone as it ships, finetuned naively and with UFT (replay + CutMix) on the shipped
/// Caltech-101 subset, all evaluated alike; a before/after table here and runs/demo/report.html.
/// </summary>
sealed class DemoCommand : Command<DemoCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--data <DIR>")] [Description("Folder with train/, test/ and source/ (default: the repo's data/demo).")]
        public string? Data { get; init; }
        [CommandOption("--output <DIR>")] [Description("Where the demo folder goes (default runs).")]
        public string Output { get; init; } = "runs";
        [CommandOption("--epochs <N>")] [Description("Finetuning epochs per arm (default 8).")]
        public int Epochs { get; init; } = 8;
        [CommandOption("--image-size <PX>")] [Description("Training and evaluation resolution (default: --eval-size, the size the backbone is used at).")]
        public int? ImageSize { get; init; }
        [CommandOption("--eval-size <PX>")] [Description("The size the backbone will be used at: the arms train at it unless --image-size says otherwise, and are evaluated at it (and at --image-size when that differs); 0: the training size only (default 224, what ImageNet backbones are made for).")]
        public int EvalSize { get; init; } = 224;
        [CommandOption("--batch-size <N>")] [Description("Finetuning batch size (default 32).")]
        public int BatchSize { get; init; } = 32;
        [CommandOption("--bn <MODE>")] [Description(BnMode.Help)]
        public string? Bn { get; init; }
        [CommandOption("--fresh")] [Description("Start again instead of reusing finished arms in the demo folder (default off: reuse).")]
        public bool Fresh { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Epochs < 1) throw UftException.Usage($"--epochs {settings.Epochs}: must be at least 1");
        string data = settings.Data ?? FindDemoData();
        var config = new ComparisonConfig
        {
            Name = "demo",
            Train = Path.Combine(data, "train"),
            Test = Path.Combine(data, "test"),
            Source = Path.Combine(data, "source"),
            ReplayFraction = 1.0,
            Arms = [Arms.None, "naive", "uft"],
            ImageSize = settings.ImageSize ?? ComparisonConfig.UseSize(settings.EvalSize),
            EvalSize = settings.EvalSize,
            Epochs = settings.Epochs,
            BatchSize = settings.BatchSize,
            FreezeBn = BnMode.Parse(settings.Bn),
            OutputRoot = settings.Output,
            // K = 1 and 4: the 1-shot probe is the verdicts' measure; 2 and 8 shots cost a fifth of the demo's time on a slow
            // machine (2026-12-07: 10 min 29 s with them) and are in every `uft compare`.
            Eval = new EvalOptions { ProbeShots = [1, 4], TSnePoints = 300, ClusteringRestarts = 10, LinearProbe = false },
        };
        if (settings.Fresh && Directory.Exists(config.Folder))
        {
            // Never clears a folder another demo is writing (Comparison.Run takes the lock again for the run).
            using var writing = Uft.Training.RunLock.Acquire(config.Folder);
            foreach (var entry in new DirectoryInfo(config.Folder).EnumerateFileSystemInfos().Where(e => e.Name != Uft.Training.RunLock.FileName))
                if (entry is DirectoryInfo dir) dir.Delete(recursive: true); else entry.Delete();
        }
        AnsiConsole.MarkupLine($"[bold]UFT demo[/]: {Markup.Escape(config.Backbone)} on {Markup.Escape(config.Train)} (unlabeled for finetuning), replaying {Markup.Escape(config.Source!)}");
        AnsiConsole.MarkupLine(Markup.Escape("arms: as shipped, naive finetuning, UFT (replay + CutMix) · " +
                               $"evaluation: top-5 retrieval, K-means BCubed precision, kNN, K-shot linear probe (K = {string.Join(", ", config.Eval.ProbeShots)}), every arm on the same draws"));
        var clock = Stopwatch.StartNew();
        using var interrupt = new Interrupt(cancellationToken);
        var results = RunWithProgress(config, interrupt.Token);
        WriteTables(config, results);
        AnsiConsole.MarkupLine($"report: [bold]{Markup.Escape(Path.Combine(config.Folder, "report.html"))}[/]   total {clock.Elapsed:m\\:ss}");
        AnsiConsole.MarkupLine("[grey]A small, CPU-sized budget: the paper trains 200 epochs at 224 px; see docs/results.md for larger runs.[/]");
        return 0;
    }

    public static IReadOnlyList<ArmResult> RunWithProgress(ComparisonConfig config, CancellationToken ct)
    {
        void Notice(string n) => AnsiConsole.MarkupLineInterpolated($"[grey]{n}[/]");
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            // Logs get one line per stage, and per epoch while finetuning (loss, speed).
            string last = "";
            var clock = Stopwatch.StartNew();
            return Comparison.Run(config, new SyncProgress<ComparisonProgress>(p =>
            {
                string line = $"{p.Arm}: {p.Stage}" + (p.Detail is { } d && d.StartsWith("epoch") && p.Done % Math.Max(1, p.Total / config.Epochs) == 0 ? " " + d : "");
                if (line != last) { last = line; Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] {line}"); }
            }), Notice, ct);
        }
        return AnsiConsole.Progress().AutoClear(true).Columns(ProgressBars.Columns).Start(ctx =>
        {
            var tasks = new Dictionary<string, ProgressTask>();
            return Comparison.Run(config, new SyncProgress<ComparisonProgress>(p =>
            {
                string key = $"{p.Arm}: {p.Stage}";
                if (!tasks.TryGetValue(key, out var task))
                {
                    foreach (var t in tasks.Values) t.StopTask();
                    tasks[key] = task = ctx.AddTask(Markup.Escape(key), maxValue: Math.Max(1, p.Total));
                }
                task.MaxValue = Math.Max(1, p.Total);
                task.Value = p.Done;
                if (p.Detail is not null) task.Description = Markup.Escape($"{key} {p.Detail}");
            }), Notice, ct);
        });
    }

    static readonly string[] Rows =
    [
        EvalMetrics.Retrieval, EvalMetrics.ClusteringPrecision, EvalMetrics.ClusteringNmi, EvalMetrics.Knn,
        EvalMetrics.ProbeMeanClass(1), EvalMetrics.ProbeMeanClass(2), EvalMetrics.ProbeMeanClass(4), EvalMetrics.ProbeMeanClass(8),
    ];

    /// <summary>The before/after table at the training size and, where the arms were also evaluated at another size, at that one.</summary>
    public static void WriteTables(ComparisonConfig config, IReadOnlyList<ArmResult> results)
    {
        bool twoSizes = results.Any(r => r.AtEvalSize is not null);
        Terminal.Write(Table(results, twoSizes ? $" at {config.ImageSize} px" : ""));
        if (twoSizes)
            Terminal.Write(Table(results.Where(r => r.AtEvalSize is not null).Select(r => r with { Eval = r.AtEvalSize! }).ToList(), $" at {config.EvalSize} px"));
        var verdicts = Verdict.Judge(results, config.ImageSize, config.EvalSize);
        foreach (var v in verdicts)
            AnsiConsole.MarkupLineInterpolated(v.BelowOnAll ? (FormattableString)$"[yellow]{v.Text}[/]" : $"{v.Text}");
        foreach (var line in Verdict.Lines(results, config.ImageSize, config.EvalSize).Skip(verdicts.Count))
            AnsiConsole.MarkupLineInterpolated($"[grey]{line}[/]");
    }

    /// <summary>Metrics as rows (named as in the HTML report), arms as columns, with the change against the backbone as shipped.</summary>
    public static Table Table(IReadOnlyList<ArmResult> results, string size = "")
    {
        var table = new Table().Title($"before / after{size} (%, mean ± half its 95% interval; in brackets the paired change against as shipped)").AddColumn("metric");
        foreach (var r in results) table.AddColumn(new TableColumn(new Text(r.Arm == Arms.None ? "as shipped" : r.Arm)).RightAligned());
        var baseline = results.FirstOrDefault(r => r.Arm == Arms.None);
        foreach (var metric in Rows)
        {
            if (!results.Any(r => r.Eval.Metrics.ContainsKey(metric))) continue;
            // The k kNN used (200, or fewer on a small train set) is in its name.
            var cells = new List<string> { Markup.Escape(EvalMetrics.Describe(metric, results[0].Eval.Settings)) };
            foreach (var r in results)
            {
                if (!r.Eval.Metrics.TryGetValue(metric, out var m)) { cells.Add(""); continue; }
                string cell = m.Format(1);
                if (baseline is not null && r != baseline && baseline.Eval.Metrics.TryGetValue(metric, out var b))
                {
                    // Coloured only where the paired interval excludes zero: a change inside the noise is level.
                    var change = r.Eval.PairingProblem(baseline.Eval) is null ? m.Against(b) : m.Against(b) with { Ci = null };
                    string text = Markup.Escape($"({change.Format()})");
                    cell += change.Sign switch { > 0 => $" [green]{text}[/]", < 0 => $" [red]{text}[/]", _ => $" {text}" };
                }
                cells.Add(cell);
            }
            table.AddRow(cells.ToArray());
        }
        table.AddRow(["train + eval time", .. results.Select(r => double.IsNaN(r.TrainSeconds + r.EvalSeconds) ? "–" : $"{r.TrainSeconds + r.EvalSeconds:F0} s")]);
        return table;
    }

    /// <summary>data/demo of the checkout this program was built from (found above the executable), or of the working folder.</summary>
    static string FindDemoData()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "data", "demo");
                if (Directory.Exists(Path.Combine(candidate, "train"))) return candidate;
            }
        throw UftException.Usage("data/demo not found above the working folder or the program; pass --data <folder with train/, test/, source/>");
    }
}
