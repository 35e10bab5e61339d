using Spectre.Console;
using Uft.Evaluation;

namespace Uft.Cli.Commands;

/// <summary>One bar per evaluation stage as the library reports it (features, K-means restarts, K-shot epochs,
/// t-SNE iterations); a stage's bar goes when the next stage starts. Only on a terminal.</summary>
static class EvalProgressBars
{
    public static T Run<T>(Func<IProgress<EvalProgress>, T> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive) return work(new SyncProgress<EvalProgress>(_ => { }));
        return AnsiConsole.Progress().AutoClear(true).HideCompleted(true).Columns(ProgressBars.Columns).Start(ctx =>
        {
            ProgressTask? current = null;
            string? stage = null;
            return work(new SyncProgress<EvalProgress>(p =>
            {
                if (p.Stage != stage || current is null)
                {
                    current?.StopTask();
                    stage = p.Stage;
                    current = ctx.AddTask(Markup.Escape(p.Stage), autoStart: true, maxValue: Math.Max(1, p.Total));
                }
                current.MaxValue = Math.Max(1, p.Total);
                current.Value = p.Done;
                if (p.Done >= p.Total) { current.StopTask(); current = null; }
            }));
        });
    }
}
