using ScottPlot;
using Uft.Evaluation;

namespace Uft.Reporting;

/// <summary>PNG charts drawn with ScottPlot: grouped bars per metric, training curves, t-SNE scatter plots.</summary>
public static class Charts
{
    // Okabe and Ito's colours, which stay apart for readers with colour-vision deficiencies, blue and orange first
    // and black last; Category 20 beyond eight series (t-SNE of many classes).
    static readonly int[] OkabeItoOrder = [5, 1, 3, 6, 2, 7, 4, 0];

    /// <summary>The colour of series i, shared by charts and the report's swatches.</summary>
    public static Color SeriesColor(int i) =>
        i < 8 ? new ScottPlot.Palettes.ColorblindFriendly().GetColor(OkabeItoOrder[i]) : new ScottPlot.Palettes.Category20().GetColor(i - 8);

    static Plot NewPlot()
    {
        var plot = new Plot();
        plot.Font.Set("DejaVu Sans");
        return plot;
    }

    /// <summary>One group of bars per metric, one bar per run (e.g. before and after finetuning), values in percent.</summary>
    /// <param name="values">values[metric][run]; null where a run lacks the metric.</param>
    public static byte[] GroupedBars(string title, IReadOnlyList<string> metrics, IReadOnlyList<string> runs, double?[][] values, double?[][]? errors = null, int width = 1100, int height = 420)
    {
        var plot = NewPlot();
        var bars = new List<Bar>();
        double groupWidth = 0.8, barWidth = groupWidth / runs.Count;
        for (int m = 0; m < metrics.Count; m++)
            for (int r = 0; r < runs.Count; r++)
            {
                if (values[m][r] is not double v) continue;
                double position = m - groupWidth / 2 + barWidth * (r + 0.5);
                bars.Add(new Bar
                {
                    Position = position,
                    Value = 100 * v,
                    Error = errors?[m][r] is double e ? 100 * e : 0,
                    // A value label would sit on the error bar's cap; the report's table has the numbers.
                    FillColor = SeriesColor(r),
                    Size = barWidth * 0.92,
                    Label = errors?[m][r] is double e2 && e2 > 0 ? "" : $"{100 * v:F1}",
                });
            }
        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 11;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, metrics.Count).Select(i => (double)i).ToArray(), metrics.ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Bottom.TickLabelStyle.FontSize = 12;
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.YLabel("%");
        plot.Title(title);
        if (runs.Count > 1)
        {
            for (int r = 0; r < runs.Count; r++)
                plot.Legend.ManualItems.Add(new LegendItem { LabelText = runs[r], FillColor = SeriesColor(r) });
            plot.ShowLegend(Edge.Right);
        }
        plot.HideGrid();
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>Lines of y against x, one per named series (e.g. one per run).</summary>
    public static byte[] Curves(string title, string xLabel, string yLabel, IReadOnlyList<(string Name, double[] X, double[] Y)> series, bool logY = false, int width = 540, int height = 320)
    {
        var plot = NewPlot();
        // A legend only where there is something to tell apart; it goes under the plot, clear of the lines.
        bool legend = series.Count(s => s.X.Length > 0) > 1;
        for (int i = 0; i < series.Count; i++)
        {
            var (name, x, y) = series[i];
            if (x.Length == 0) continue;
            var ys = logY ? y.Select(v => Math.Log10(Math.Max(v, 1e-12))).ToArray() : y;
            var line = plot.Add.Scatter(x, ys, SeriesColor(i));
            if (legend) line.LegendText = name;
            line.LineWidth = 2;
            line.MarkerSize = x.Length <= 30 ? 5 : 0;
        }
        if (logY)
        {
            var ticks = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => $"{Math.Pow(10, v):G3}" };
            plot.Axes.Left.TickGenerator = ticks;
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        if (legend) plot.ShowLegend(Edge.Bottom);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>A t-SNE map as <c>uft eval</c> writes it, drawn as <see cref="Scatter2D"/>.</summary>
    public static byte[] Map(TSneMap map) => Scatter2D(map.Title, map.X, map.Y, map.Groups, map.GroupNames);

    /// <summary>A 2-D embedding coloured by group; a legend when there are few groups.</summary>
    /// <param name="xy">(x, y) per point.</param>
    /// <param name="groups">Group index per point (class, or domain).</param>
    public static byte[] Scatter2D(string title, float[] x, float[] y, int[] groups, IReadOnlyList<string> groupNames, int width = 620, int height = 560)
    {
        var plot = NewPlot();
        bool legend = groups.Distinct().Count() <= 12;
        float size = groups.Length < 300 ? 7 : groups.Length < 1500 ? 5 : 3.5f;
        for (int g = 0; g < groupNames.Count; g++)
        {
            var idx = Enumerable.Range(0, groups.Length).Where(i => groups[i] == g).ToArray();
            if (idx.Length == 0) continue;
            var markers = plot.Add.Markers(idx.Select(i => (double)x[i]).ToArray(), idx.Select(i => (double)y[i]).ToArray(),
                MarkerShape.FilledCircle, size, SeriesColor(g % 28).WithAlpha(0.8));
            if (legend) markers.LegendText = groupNames[g];
        }
        plot.Title(title);
        plot.Axes.Frameless();
        plot.HideGrid();
        if (legend) plot.ShowLegend(Edge.Right);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }
}
