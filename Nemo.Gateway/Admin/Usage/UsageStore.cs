using System.Globalization;
using System.Text;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Npgsql;

namespace Nemo.Gateway.Admin.Usage;

/// <summary>
/// Usage analytics and the activity feed over <c>nemo.usage_events</c> (and, for error rates and latency, the
/// request log's <c>nemo.request_failures</c>), under row-level security. The
/// organization/time index (and organization/key/time for a key filter) bounds every scan to the range
/// asked for; docs/TENANCY.md has the figures measured on a million events.
/// </summary>
internal sealed class UsageStore(AdminDatabase database, TimeProvider time)
{
    public async Task<(UsageWindow? Window, List<UsageRow> Rows, Nemo.Gateway.Errors.OpenAIError Error)> GroupAsync(
        Guid organizationId, string groupBy, RawWindow raw, Guid? keyId, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(organizationId, cancellationToken);
        (UsageWindow? window, Nemo.Gateway.Errors.OpenAIError error) = await UsageWindow.ResolveAsync(session, raw, time.GetUtcNow(), cancellationToken);
        if (window is null)
            return (null, [], error);
        string order = groupBy == "day" ? "g.k" : "g.cost DESC, g.k";
        List<UsageRow> rows = await session.ListAsync(
            $"""
            SELECT {UsageGrouping.Shown(groupBy)}, g.requests, g.prompt, g.completion, g.cost, g.errors, g.p50, g.p95, g.p99
            FROM (SELECT {UsageGrouping.Expression(groupBy)} AS k, count(*) FILTER (WHERE NOT e.failed) AS requests,
                         coalesce(sum(e.prompt_tokens), 0)::bigint AS prompt, coalesce(sum(e.completion_tokens), 0)::bigint AS completion,
                         coalesce(sum(e.cost), 0)::bigint AS cost, count(*) FILTER (WHERE e.failed) AS errors,
                         percentile_disc(0.5) WITHIN GROUP (ORDER BY e.latency_ms) AS p50,
                         percentile_disc(0.95) WITHIN GROUP (ORDER BY e.latency_ms) AS p95,
                         percentile_disc(0.99) WITHIN GROUP (ORDER BY e.latency_ms) AS p99
                  FROM (SELECT u.key_id, u.user_id, u.team_id, u.customer_id, u.model, u.occurred_at, u.prompt_tokens, u.completion_tokens,
                               u.cost, u.latency_ms, u.status_code NOT BETWEEN 200 AND 299 AS failed
                        FROM nemo.usage_events u
                        WHERE u.organization_id = @org AND u.occurred_at >= @from AND u.occurred_at < @to AND (@key::uuid IS NULL OR u.key_id = @key)
                        UNION ALL
                        SELECT f.key_id, f.user_id, f.team_id, f.customer_id, f.model, f.occurred_at, 0, 0, 0, f.latency_ms, true
                        FROM nemo.request_failures f
                        WHERE f.organization_id = @org AND f.occurred_at >= @from AND f.occurred_at < @to AND (@key::uuid IS NULL OR f.key_id = @key)
                          AND NOT EXISTS (SELECT 1 FROM nemo.usage_events x WHERE x.request_id = f.request_id)) e
                  GROUP BY 1) g
            ORDER BY {order}
            """,
            r => new UsageRow(r.IsDBNull(0) ? null : r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), AdminJson.Money(r.GetInt64(4)),
                r.GetInt64(5), UsageRow.Rate(r.GetInt64(5), r.GetInt64(1)), r.IsDBNull(6) ? null : r.GetInt64(6), r.IsDBNull(7) ? null : r.GetInt64(7),
                r.IsDBNull(8) ? null : r.GetInt64(8)),
            cancellationToken, ("org", organizationId), ("from", window.From), ("to", window.To), ("tz", window.Timezone), ("key", keyId));
        return (window, rows, default);
    }

    /// <summary>Writes the usage of the range as CSV to <paramref name="output"/>, row by row (grouped, or one line per request).</summary>
    public async Task<Nemo.Gateway.Errors.OpenAIError?> ExportAsync(Guid organizationId, string? groupBy, RawWindow raw, Func<UsageWindow, Stream> open,
        CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(organizationId, cancellationToken);
        (UsageWindow? window, Nemo.Gateway.Errors.OpenAIError error) = await UsageWindow.ResolveAsync(session, raw, time.GetUtcNow(), cancellationToken);
        if (window is null)
            return error;
        string sql = groupBy is null
            ? """
              SELECT e.request_id::text, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), e.key_id::text, e.user_id::text,
                     e.team_id::text, e.customer_id, e.model, e.endpoint, e.prompt_tokens, e.completion_tokens, e.cost, e.latency_ms, e.status_code
              FROM nemo.usage_events e
              WHERE e.organization_id = @org AND e.occurred_at >= @from AND e.occurred_at < @to ORDER BY e.occurred_at, e.seq
              """
            : $"""
              SELECT {UsageGrouping.Shown(groupBy)}, g.requests, g.prompt, g.completion, g.cost
              FROM (SELECT {UsageGrouping.Expression(groupBy)} AS k, count(*) AS requests, sum(e.prompt_tokens)::bigint AS prompt,
                           sum(e.completion_tokens)::bigint AS completion, sum(e.cost)::bigint AS cost
                    FROM nemo.usage_events e
                    WHERE e.organization_id = @org AND e.occurred_at >= @from AND e.occurred_at < @to GROUP BY 1) g
              ORDER BY 1
              """;
        string header = groupBy is null
            ? "request_id,occurred_at,key_id,user_id,team_id,customer_id,model,endpoint,prompt_tokens,completion_tokens,cost_usd,latency_ms,status_code"
            : $"{groupBy},requests,prompt_tokens,completion_tokens,cost_usd";
        await using NpgsqlCommand command = session.Command(sql, ("org", organizationId), ("from", window.From), ("to", window.To), ("tz", window.Timezone));
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        await using var writer = new StreamWriter(open(window), new UTF8Encoding(false), 64 * 1024);
        await writer.WriteAsync(header + "\n");
        int moneyColumn = groupBy is null ? 10 : 4;
        var line = new StringBuilder();
        while (await reader.ReadAsync(cancellationToken))
        {
            line.Clear();
            for (int i = 0; i < reader.FieldCount; i++)
            {
                if (i > 0)
                    line.Append(',');
                if (reader.IsDBNull(i))
                    continue;
                if (i == moneyColumn)
                    line.Append(AdminJson.Money(reader.GetInt64(i)).ToString(CultureInfo.InvariantCulture));
                else
                    Csv(line, Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture) ?? "");
            }
            line.Append('\n');
            await writer.WriteAsync(line, cancellationToken);
        }
        return null;
    }

    /// <summary>
    /// Quotes a field when it holds a comma, quote or line break, and defuses spreadsheet formulas: a cell
    /// starting with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, TAB or CR gets a leading single quote (OWASP's CSV
    /// injection advice), so a customer id such as <c>=HYPERLINK(…)</c> is shown as text, never evaluated.
    /// </summary>
    internal static void Csv(StringBuilder line, string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
            value = "'" + value;
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            line.Append(value);
            return;
        }
        line.Append('"').Append(value.Replace("\"", "\"\"")).Append('"');
    }

    public async Task<List<ActivityRow>> ActivityAsync(Guid organizationId, Guid? keyId, Paging paging, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(organizationId, cancellationToken);
        return await session.ListAsync(
            """
            SELECT e.request_id, e.occurred_at, e.model, e.endpoint, e.prompt_tokens, e.completion_tokens, e.cost, e.latency_ms, e.status_code,
                   e.key_id, k.name, e.user_id, e.team_id, e.customer_id, e.flags, e.seq
            FROM nemo.usage_events e LEFT JOIN nemo.api_keys k ON k.id = e.key_id
            WHERE e.organization_id = @org AND (@key::uuid IS NULL OR e.key_id = @key)
              AND (@after::timestamptz IS NULL OR (e.occurred_at, e.seq) < (@after, @after_seq))
            ORDER BY e.occurred_at DESC, e.seq DESC LIMIT @limit
            """,
            r => new ActivityRow(r.GetGuid(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetInt64(5),
                AdminJson.Money(r.GetInt64(6)), r.GetInt64(7), r.GetInt32(8), r.GetGuid(9), r.IsDBNull(10) ? null : r.GetString(10),
                r.IsDBNull(11) ? null : r.GetGuid(11), r.GetGuid(12), r.IsDBNull(13) ? null : r.GetString(13), r.GetInt32(14)) { Seq = r.GetInt64(15) },
            cancellationToken, ("org", organizationId), ("key", keyId), ("after", paging.AfterTime),
            ("after_seq", long.TryParse(paging.AfterText, out long seq) ? seq : long.MaxValue), ("limit", paging.Fetch));
    }
}
