using ScottPlot;

namespace Nemo.Bench.Tail;

/// <summary>The tail run as a PNG: p50, p99 and p99.9 (ms) per window over time.</summary>
internal static class TailPlot
{
    public static void Write(IReadOnlyList<TailWindow> rows, int rate, double saturation, string path)
    {
        var plot = new Plot();
        double[] seconds = [.. rows.Select(r => r.EndSeconds)];
        foreach ((string label, Func<TailWindow, double> value) in new (string, Func<TailWindow, double>)[] { ("p99.9 ms", r => r.P999Ms), ("p99 ms", r => r.P99Ms), ("p50 ms", r => r.P50Ms) })
        {
            var line = plot.Add.Scatter(seconds, [.. rows.Select(value)]);
            line.LegendText = label;
        }

        plot.Title($"Nemo at {rate} req/s (80 % of the {saturation:F0} req/s it saturates at)");
        plot.Axes.Bottom.Label.Text = "seconds";
        plot.Axes.Left.Label.Text = "latency, ms";
        plot.Axes.SetLimitsY(0, Math.Max(1, rows.Max(r => r.P999Ms)) * 1.2);
        plot.Axes.SetLimitsX(0, seconds[^1]);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1000, 500);
    }
}
