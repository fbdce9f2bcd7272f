using System.Globalization;

namespace Nemo.Gateway.Dashboard.Components;

/// <summary>How the console shows money: dollars from Nemo's integer nano-dollars, never through floating point.</summary>
internal static class Money
{
    public static string Usd(long nanos) => Usd(Nemo.Gateway.Admin.Http.AdminJson.Money(nanos));

    /// <summary>A chart's axis and tooltips (display only): small amounts keep their significant digits.</summary>
    public static string Axis(double dollars) => "$" + dollars.ToString(dollars != 0 && Math.Abs(dollars) < 0.01 ? "0.######" : "#,0.##", CultureInfo.InvariantCulture);

    public static string Usd(decimal dollars) => dollars.ToString(dollars != 0 && Math.Abs(dollars) < 0.01m ? "$0.######" : "$#,0.00", CultureInfo.InvariantCulture);
}
