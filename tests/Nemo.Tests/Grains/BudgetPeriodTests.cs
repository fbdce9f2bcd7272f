using Nemo.Grains.Tenancy;

namespace Nemo.Tests.Grains;

public sealed class BudgetPeriodTests
{
    [Theory]
    [InlineData("2026-01-31", "2026-02-15", "2026-01-31")]
    [InlineData("2026-01-31", "2026-03-01", "2026-02-28")] // clamped to February's length
    [InlineData("2026-01-31", "2026-03-31", "2026-03-31")]
    [InlineData("2026-01-10", "2026-01-09", "2025-12-10")]
    public void Monthly_StartsOnAnchorDay(string anchor, string today, string expected) =>
        Assert.Equal(DateOnly.Parse(expected), BudgetPeriods.PeriodStart(BudgetPeriod.Monthly, DateOnly.Parse(anchor), DateOnly.Parse(today)));

    [Fact]
    public void Weekly_StartsOnAnchorWeekday()
    {
        var anchor = new DateOnly(2026, 11, 2); // a Monday
        Assert.Equal(new DateOnly(2026, 11, 16), BudgetPeriods.PeriodStart(BudgetPeriod.Weekly, anchor, new DateOnly(2026, 11, 22)));
        Assert.Equal(new DateOnly(2026, 11, 23), BudgetPeriods.PeriodStart(BudgetPeriod.Weekly, anchor, new DateOnly(2026, 11, 23)));
    }

    [Fact]
    public void DailyAndTotal()
    {
        var today = new DateOnly(2026, 11, 22);
        Assert.Equal(today, BudgetPeriods.PeriodStart(BudgetPeriod.Daily, DateOnly.MinValue, today));
        Assert.Equal(DateOnly.MinValue, BudgetPeriods.PeriodStart(BudgetPeriod.Total, today, today));
    }
}
