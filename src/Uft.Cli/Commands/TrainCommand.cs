using Spectre.Console;
using Spectre.Console.Cli;
using Uft.Evaluation;
using Uft.Training;

namespace Uft.Cli.Commands;

/// <summary>Runs a <see cref="Trainer"/> with an epoch bar and a step bar (loss, lr, images/s, ETA), and a table at the end.</summary>
static class TrainRunner
{
    public static int Run(TrainConfig config, bool resume, int? epochs, CancellationToken cancellationToken)
    {
        if (resume) config = ForResume(config, epochs);
        config = config.Validate();
        using var interrupt = new Interrupt(cancellationToken);
        // The header waits for the trainer's first word, which comes once every input has been checked: bad input
        // prints its one error line and nothing else.
        bool started = false;
        void Header()
        {
            if (started) return;
            started = true;
            AnsiConsole.MarkupLineInterpolated($"[bold]{config.Preset}[/] · {config.Backbone} · {config.ImageSize} px · batch {config.BatchSize} · {(config.Minutes is { } m && !resume ? $"{m:G4} min" : $"{config.Epochs} epochs")} · lr {config.LrFor(config.BatchSize):G3} → {Path.Combine(config.OutputRoot, config.Name)}");
        }
        void Notice(string n) { Header(); AnsiConsole.MarkupLineInterpolated($"[grey]{n}[/]"); }
        TrainResult result;
        if (AnsiConsole.Profile.Capabilities.Interactive)
        {
            result = AnsiConsole.Progress().AutoClear(false).Columns(ProgressBars.Columns).Start(ctx =>
            {
                var epochs = ctx.AddTask("epochs", maxValue: Math.Max(1, config.Epochs));
                var steps = ctx.AddTask("steps", maxValue: 1);
                var trainer = new Trainer(config, new SyncProgress<TrainProgress>(p =>
                {
                    Header();
                    epochs.MaxValue = Math.Max(p.Epoch, p.Epochs);
                    epochs.Value = p.Epoch - 1 + (double)p.Batch / Math.Max(1, p.Batches);
                    steps.MaxValue = p.Batches;
                    steps.Value = p.Batch;
                    steps.Description = $"epoch {p.Epoch}/{p.EpochsText} loss {p.Loss:F3} lr {p.Lr:G3} {p.ImagesPerSecond:F0} img/s";
                }), Notice, TrainingMonitor.Create, CommandStarted);
                var r = trainer.Train(resume, interrupt.Token);
                epochs.Value = epochs.MaxValue;
                return r;
            });
        }
        else
        {
            int lastEpoch = 0, firstEnded = 0;
            var sinceFirstEnd = new System.Diagnostics.Stopwatch();
            var trainer = new Trainer(config, new SyncProgress<TrainProgress>(p =>
            {
                Header();
                if (p.Batch == p.Batches && p.Epoch != lastEpoch)
                {
                    lastEpoch = p.Epoch;
                    // Timed from this process's first epoch end: a log (nohup, CI) gets the ETA a terminal's bar shows.
                    if (!sinceFirstEnd.IsRunning) { sinceFirstEnd.Start(); firstEnded = p.Epoch; }
                    string? left = TrainProgress.TimeLeft(sinceFirstEnd.Elapsed, p.Epoch - firstEnded, p.Epochs - p.Epoch);
                    Console.WriteLine($"epoch {p.Epoch}/{p.EpochsText}  loss {p.Loss:F4}  lr {p.Lr:G3}  {p.ImagesPerSecond:F0} img/s{(left is null ? "" : "  " + left)}");
                }
            }), n => { Header(); Console.WriteLine(n); }, TrainingMonitor.Create, CommandStarted);
            result = trainer.Train(resume, interrupt.Token);
        }
        Header();
        Summarise(result);
        return result.Completed ? 0 : Interrupt.ExitCode;
    }

    /// <summary>The process's start: --minutes counts the whole command, as a user timing it does.</summary>
    static DateTime CommandStarted
    {
        get { using var self = System.Diagnostics.Process.GetCurrentProcess(); return self.StartTime.ToUniversalTime(); }
    }

    /// <summary>A resumed run keeps the configuration it was started with (other options are refused before this,
    /// <see cref="TrainSettings.CheckResume"/>); only --epochs may extend it. It stays in the folder it is resumed from,
    /// which may have been moved or copied since it started.</summary>
    static TrainConfig ForResume(TrainConfig given, int? epochs)
    {
        var saved = new RunFolder(Path.Combine(given.OutputRoot, given.Name)).ConfigForResume(given.OutputRoot, given.Name);
        // Extending a run past where a --minutes deadline left its cosine gives it MoCo's cosine of the new length.
        return epochs is int e ? saved with { Epochs = e, CosineEpochs = saved.CosineEpochs > e ? saved.CosineEpochs : null } : saved;
    }

    static void Summarise(TrainResult result)
    {
        var table = Terminal.PlainTable("epoch", "loss", "lr", "img/s", "kNN", "align", "uniform");
        foreach (var m in result.Epochs.TakeLast(10))
            table.AddPlainRow(m.Epoch.ToString(), m.Loss.ToString("F4"), m.Lr.ToString("G3"), m.ImagesPerSecond.ToString("F0"),
                m.Knn?.ToString("P1") ?? "", m.Align?.ToString("F3") ?? "", m.Uniform?.ToString("F3") ?? "");
        if (result.Epochs.Count > 0) Terminal.Write(table);
        AnsiConsole.MarkupLine($"run folder: [bold]{Markup.Escape(result.RunFolder)}[/]" + (result.BackboneFile is null ? "" : $"  backbone: [bold]{Markup.Escape(result.BackboneFile)}[/]"));
    }
}

sealed class FinetuneCommand : Command<FinetuneSettings>
{
    public override int Execute(CommandContext context, FinetuneSettings settings, CancellationToken cancellationToken)
    {
        settings.CheckResume(settings.ResolveFinetune);
        return TrainRunner.Run(settings.ResolveFinetune(), settings.Resume, settings.Epochs, cancellationToken);
    }
}

sealed class PretrainCommand : Command<TrainSettings>
{
    public override int Execute(CommandContext context, TrainSettings settings, CancellationToken cancellationToken)
    {
        settings.CheckResume(start => settings.Resolve("pretrain", start));
        return TrainRunner.Run(settings.Resolve("pretrain"), settings.Resume, settings.Epochs, cancellationToken);
    }
}
