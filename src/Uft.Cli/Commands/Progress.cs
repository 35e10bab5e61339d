using Spectre.Console;

namespace Uft.Cli.Commands;

/// <summary>Spectre progress bars (with rate and ETA) for library work reported through IProgress.</summary>
static class ProgressBars
{
    public static ProgressColumn[] Columns =>
    [
        new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
        new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn(),
    ];

    /// <summary>Runs <paramref name="work"/> with one bar; the bar appears only on a terminal and when work takes a while.</summary>
    public static T Run<T>(string description, Func<IProgress<(int Done, int Total)>, T> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
            return work(new Progress<(int, int)>(_ => { }));
        return AnsiConsole.Progress().AutoClear(true).HideCompleted(true).Columns(Columns).Start(ctx =>
        {
            var task = ctx.AddTask(Markup.Escape(description), autoStart: true, maxValue: 1);
            var progress = new SyncProgress<(int Done, int Total)>(p => { task.MaxValue = Math.Max(1, p.Total); task.Value = p.Done; });
            return work(progress);
        });
    }
}
