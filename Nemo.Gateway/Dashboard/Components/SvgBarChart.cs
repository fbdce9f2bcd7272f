using System.Globalization;
using System.Net;
using System.Text;

namespace Nemo.Gateway.Dashboard.Components;

/// <summary>
/// Draws a bar chart as an SVG string on the server (no script). Every label is HTML-encoded: they come
/// from tenant data (model names, customer ids). Built as text because Razor reserves the SVG
/// <c>&lt;text&gt;</c> element's name inside code blocks.
/// </summary>
internal static class SvgBarChart
{
    private const int Width = 720;
    private const int Height = 220;

    public static string Render(string id, string title, IReadOnlyList<(string Label, double Value)> points, Func<double, string> format)
    {
        var svg = new StringBuilder();
        string titleId = id + "-title";
        svg.Append($"<svg class=\"chart\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-labelledby=\"{E(titleId)}\"><title id=\"{E(titleId)}\">{E(title)}</title>");
        if (points.Count == 0)
        {
            svg.Append($"<text x=\"{Width / 2}\" y=\"{Height / 2}\" text-anchor=\"middle\">No data in this period</text></svg>");
            return svg.ToString();
        }
        double max = Math.Max(points.Max(p => p.Value), 1e-12);
        double slot = (Width - 60.0) / points.Count;
        svg.Append($"<line x1=\"50\" y1=\"{Height - 24}\" x2=\"{Width}\" y2=\"{Height - 24}\" stroke=\"#9aa5b1\"/>");
        svg.Append($"<text x=\"46\" y=\"14\" text-anchor=\"end\">{E(format(max))}</text><text x=\"46\" y=\"{Height - 26}\" text-anchor=\"end\">0</text>");
        int every = points.Count <= 16 ? 1 : points.Count / 8 + 1;
        for (int i = 0; i < points.Count; i++)
        {
            (string label, double value) = points[i];
            double h = value / max * (Height - 44);
            double x = 55 + i * slot;
            svg.Append($"<rect class=\"bar\" x=\"{F(x)}\" y=\"{F(Height - 24 - h)}\" width=\"{F(Math.Clamp(slot * 0.7, 1, 48))}\" height=\"{F(h)}\"><title>{E(label)}: {E(format(value))}</title></rect>");
            if (i % every == 0)
                svg.Append($"<text x=\"{F(x + Math.Clamp(slot * 0.7, 1, 48) / 2)}\" y=\"{Height - 8}\" text-anchor=\"middle\">{E(Short(label))}</text>");
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>Days show as MM-DD; other labels are cut to 12 characters.</summary>
    private static string Short(string label) =>
        label.Length == 10 && label[4] == '-' && label[7] == '-' ? label[5..] : label.Length > 12 ? label[..11] + "…" : label;
}
