using Nemo.Grains.Money;
using Nemo.Grains.Tenancy;

namespace Nemo.Tests.Grains;

public sealed class MoneyTests
{
    [Theory]
    [InlineData("12.5", 12_500_000_000L)]
    [InlineData("0.000135", 135_000L)]
    [InlineData("0.000000001", 1L)]
    public void TryToNanos_ExactDecimals_Converts(string usd, long nanos)
    {
        Assert.True(Usd.TryToNanos(decimal.Parse(usd, System.Globalization.CultureInfo.InvariantCulture), out long actual));
        Assert.Equal(nanos, actual);
        Assert.Equal(decimal.Parse(usd, System.Globalization.CultureInfo.InvariantCulture), Usd.FromNanos(nanos));
    }

    [Fact]
    public void TryToNanos_TenDecimals_Refused() => Assert.False(Usd.TryToNanos(0.0000000001m, out _));

    [Fact]
    public void Cost_RoundsUpToNextNano()
    {
        var price = new ModelPrice(Usd.ToNanos(0.15m), Usd.ToNanos(0.60m)); // per million tokens
        Assert.Equal(150, price.Cost(1, 0));                 // 0.15 USD / 1M = 150 nanos exactly
        Assert.Equal(750 + 9_600, price.Cost(5, 16));
        var odd = new ModelPrice(1, 0);                      // 1 nano per million tokens
        Assert.Equal(1, odd.Cost(1, 0));                     // rounded up, never down to 0
    }

    [Fact]
    public void PlanFee_IsAddedOnTopRoundedUp()
    {
        Assert.Equal(Usd.ToNanos(4m), Plan.Payg.FeeFor(Usd.ToNanos(100m)));
        Assert.Equal(Usd.ToNanos(2m), Plan.Tier2.FeeFor(Usd.ToNanos(100m)));
        Assert.Equal(0, Plan.Tier3.FeeFor(Usd.ToNanos(100m)));
        Assert.Equal(1, Plan.Payg.FeeFor(1));
    }
}
