using System.Globalization;
using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Admin.Usage;

/// <summary>
/// The time range of a usage query: <c>from</c> (inclusive) and <c>to</c> (exclusive), each an ISO 8601
/// timestamp or a date. Dates are whole days in the organization's time zone, and a <c>to</c> date
/// includes that day. Defaults: the 30 days up to now.
/// </summary>
internal sealed record UsageWindow(DateTimeOffset From, DateTimeOffset To, string Timezone)
{
    private static readonly TimeSpan DefaultSpan = TimeSpan.FromDays(30);

    public static bool TryParse(HttpRequest request, out RawWindow raw, out OpenAIError error)
    {
        raw = default;
        if (!TryParseBound(request, "from", out DateTimeOffset? fromTs, out DateOnly? fromDate, out error)
            || !TryParseBound(request, "to", out DateTimeOffset? toTs, out DateOnly? toDate, out error))
            return false;
        raw = new RawWindow(fromTs, fromDate, toTs, toDate);
        return true;
    }

    private static bool TryParseBound(HttpRequest request, string name, out DateTimeOffset? instant, out DateOnly? date, out OpenAIError error)
    {
        instant = null;
        date = null;
        error = default;
        string? text = request.Query[name];
        if (string.IsNullOrEmpty(text))
            return true;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly d))
        {
            date = d;
            return true;
        }
        if (text.Contains('T') && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset t))
        {
            instant = t;
            return true;
        }
        error = OpenAIError.BadRequest($"{name} must be a date (2026-11-01) or an ISO 8601 timestamp (2026-11-01T00:00:00Z) (got '{text}').", name, "invalid_value");
        return false;
    }

    /// <summary>Resolves dates in the organization's time zone, inside the query's session.</summary>
    public static async Task<(UsageWindow? Window, OpenAIError Error)> ResolveAsync(AdminSession session, RawWindow raw, DateTimeOffset now, CancellationToken cancellationToken)
    {
        UsageWindow window = (await session.SingleAsync(
            """
            SELECT o.timezone,
                   coalesce(@from_ts::timestamptz, (@from_date::date)::timestamp AT TIME ZONE o.timezone),
                   coalesce(@to_ts::timestamptz, (@to_date::date + 1)::timestamp AT TIME ZONE o.timezone)
            FROM nemo.organizations o WHERE o.id = @org
            """,
            r => new UsageWindow(
                r.IsDBNull(1) ? DateTimeOffset.MinValue : r.GetFieldValue<DateTimeOffset>(1),
                r.IsDBNull(2) ? DateTimeOffset.MinValue : r.GetFieldValue<DateTimeOffset>(2), r.GetString(0)),
            cancellationToken, ("org", session.OrganizationId), ("from_ts", Param(raw.FromInstant)), ("from_date", Param(raw.FromDate)),
            ("to_ts", Param(raw.ToInstant)), ("to_date", Param(raw.ToDate))))!;
        DateTimeOffset to = raw.ToInstant is null && raw.ToDate is null ? now : window.To;
        DateTimeOffset from = raw.FromInstant is null && raw.FromDate is null ? to - DefaultSpan : window.From;
        if (from >= to)
            return (null, OpenAIError.BadRequest($"from ({from:O}) must be before to ({to:O}).", "from", "invalid_value"));
        return (window with { From = from, To = to }, default);
    }

    private static object Param<T>(T? value) where T : struct => value is { } v ? v : DBNull.Value;
}
