using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Credits;

/// <summary>The platform fee on a credit purchase: the plan's rate, or the custom rate the operator set (enterprise).</summary>
internal static class Fees
{
    public static int BasisPoints(string plan, int? custom) => custom ?? Plan.Find(plan)?.FeeBasisPoints ?? Plan.Payg.FeeBasisPoints;

    /// <summary>Rounded up to the next nano, in integers: never floating point.</summary>
    public static long For(long amountNanos, int basisPoints) => (long)(((Int128)amountNanos * basisPoints + 9_999) / 10_000);

    public static decimal Percent(int basisPoints) => basisPoints / 100m;
}
