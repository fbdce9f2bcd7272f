namespace Nemo.Gateway.Admin.Usage;

/// <summary>What <c>group_by</c> may be, and the SQL expression of each group's key (never built from input).</summary>
internal static class UsageGrouping
{
    public static readonly string[] Names = ["key", "member", "team", "customer", "model", "day"];

    public static string? Expression(string groupBy) => groupBy switch
    {
        "key" => "e.key_id::text",
        "member" => "e.user_id::text",
        "team" => "e.team_id::text",
        "customer" => "e.customer_id",
        "model" => "e.model",
        "day" => "to_char((e.occurred_at AT TIME ZONE @tz)::date, 'YYYY-MM-DD')",
        _ => null,
    };
}
