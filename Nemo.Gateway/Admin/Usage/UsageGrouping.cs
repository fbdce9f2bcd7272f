namespace Nemo.Gateway.Admin.Usage;

/// <summary>
/// What <c>group_by</c> may be, the SQL expression each group is formed on (native types: grouping on a
/// uuid or a date is cheaper than on its text) and how the key is then shown. Never built from input.
/// </summary>
internal static class UsageGrouping
{
    public static readonly string[] Names = ["key", "member", "team", "customer", "model", "day"];

    public static string? Expression(string groupBy) => groupBy switch
    {
        "key" => "e.key_id",
        "member" => "e.user_id",
        "team" => "e.team_id",
        "customer" => "e.customer_id",
        "model" => "e.model",
        "day" => "(e.occurred_at AT TIME ZONE @tz)::date",
        _ => null,
    };

    /// <summary>The group key <c>g.k</c> as the text clients see (days as yyyy-MM-dd).</summary>
    public static string Shown(string groupBy) => groupBy == "day" ? "to_char(g.k, 'YYYY-MM-DD')" : "g.k::text";
}
