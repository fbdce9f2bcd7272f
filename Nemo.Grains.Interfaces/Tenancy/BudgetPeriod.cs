namespace Nemo.Grains.Tenancy;

public enum BudgetPeriod
{
    Total = 0,
    Monthly = 1,
    Weekly = 2,
    Daily = 3,
}

/// <summary>
/// A budget period's boundaries are a pure function of the clock and the stored anchor date (UTC), so
/// there is no reset job that could race with spend. Monthly periods start on the anchor's day of month
/// (clamped to the month's length), weekly ones on the anchor's weekday, daily ones at 00:00 UTC.
/// </summary>
public static class BudgetPeriods
{
    public static DateOnly PeriodStart(BudgetPeriod period, DateOnly anchor, DateOnly today) => period switch
    {
        BudgetPeriod.Total => DateOnly.MinValue,
        BudgetPeriod.Daily => today,
        BudgetPeriod.Weekly => today.AddDays(-(((int)today.DayOfWeek - (int)anchor.DayOfWeek + 7) % 7)),
        BudgetPeriod.Monthly => MonthlyStart(anchor.Day, today),
        _ => throw new ArgumentOutOfRangeException(nameof(period)),
    };

    private static DateOnly MonthlyStart(int anchorDay, DateOnly today)
    {
        DateOnly candidate = AnchorIn(today.Year, today.Month, anchorDay);
        if (candidate <= today)
            return candidate;
        DateOnly previous = today.AddMonths(-1);
        return AnchorIn(previous.Year, previous.Month, anchorDay);
    }

    private static DateOnly AnchorIn(int year, int month, int anchorDay) =>
        new(year, month, Math.Min(anchorDay, DateTime.DaysInMonth(year, month)));

    public static bool TryParse(string? text, out BudgetPeriod period)
    {
        switch (text)
        {
            case "total": period = BudgetPeriod.Total; return true;
            case "monthly": period = BudgetPeriod.Monthly; return true;
            case "weekly": period = BudgetPeriod.Weekly; return true;
            case "daily": period = BudgetPeriod.Daily; return true;
            default: period = default; return false;
        }
    }

    public static string Name(BudgetPeriod period) => period switch
    {
        BudgetPeriod.Total => "total",
        BudgetPeriod.Monthly => "monthly",
        BudgetPeriod.Weekly => "weekly",
        BudgetPeriod.Daily => "daily",
        _ => throw new ArgumentOutOfRangeException(nameof(period)),
    };
}
