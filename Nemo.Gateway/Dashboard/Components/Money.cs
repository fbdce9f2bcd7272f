using System.Globalization;

namespace Nemo.Gateway.Dashboard.Components;

/// <summary>How the console shows money: dollars from Nemo's integer nano-dollars, never through floating point.</summary>
internal static class Money
{
    public static string Usd(long nanos) => Usd(Nemo.Gateway.Admin.Http.AdminJson.Money(nanos));

    public static string Usd(decimal dollars) => dollars.ToString(dollars != 0 && Math.Abs(dollars) < 0.01m ? "$0.######" : "$#,0.00", CultureInfo.InvariantCulture);
}
