using ScottPlot;

namespace Nemo.Bench.Soak;

/// <summary>The soak run as a PNG: p50/p99 (left axis, ms) and the gateway's RSS and GC heap (right axis, MB) per window.</summary>
internal static class SoakPlot
{
    public static void Write(IReadOnlyList<SoakWindow> rows, int rate, string path)
    {
        var plot = new Plot();
        double[] minutes = [.. rows.Select(r => r.EndMinutes)];
        AddLine(plot, minutes, [.. rows.Select(r => r.P99Ms)], "p99 ms", right: false);
        AddLine(plot, minutes, [.. rows.Select(r => r.P50Ms)], "p50 ms", right: false);
        if (rows.All(r => r.RssMb is not null))
        {
            AddLine(plot, minutes, [.. rows.Select(r => r.RssMb!.Value)], "gateway RSS MB", right: true);
        }

        if (rows.All(r => r.HeapMb is not null))
        {
            AddLine(plot, minutes, [.. rows.Select(r => r.HeapMb!.Value)], "gateway GC heap MB", right: true);
        }

        plot.Title($"Nemo soak at {rate} req/s");
        plot.Axes.Bottom.Label.Text = "minutes";
        plot.Axes.Left.Label.Text = "latency, ms";
        plot.Axes.Right.Label.Text = "memory, MB";
        plot.Axes.SetLimitsY(0, Math.Max(1, rows.Max(r => r.P99Ms)) * 1.2, plot.Axes.Left);
        double memoryTop = rows.Select(r => Math.Max(r.RssMb ?? 0, r.HeapMb ?? 0)).Max();
        plot.Axes.SetLimitsY(0, Math.Max(1, memoryTop) * 1.2, plot.Axes.Right);
        plot.Axes.SetLimitsX(0, minutes[^1]);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1000, 500);
    }

    private static void AddLine(Plot plot, double[] xs, double[] ys, string label, bool right)
    {
        var line = plot.Add.Scatter(xs, ys);
        line.LegendText = label;
        if (right)
        {
            line.Axes.YAxis = plot.Axes.Right;
        }
    }
}
