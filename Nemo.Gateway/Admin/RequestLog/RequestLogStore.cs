using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Admin.Usage;
using Nemo.Gateway.Errors;
using Nemo.Grains.Spend;

namespace Nemo.Gateway.Admin.RequestLog;

/// <summary>
/// The request log over the usage events (billed requests) and <c>nemo.request_failures</c> (requests that
/// ended without one), newest first, under row-level security: the session is the caller's organization,
/// so another organization's rows are invisible to the query itself. Each branch is bounded by the
/// organization/time index and the page size before the two are merged.
/// </summary>
internal sealed class RequestLogStore(AdminDatabase database, TimeProvider time)
{
    private const string Filters =
        """
        x.organization_id = @org AND x.occurred_at >= @from AND x.occurred_at < @to
          AND (@key::uuid IS NULL OR x.key_id = @key) AND (@team::uuid IS NULL OR x.team_id = @team)
          AND (@customer::text IS NULL OR x.customer_id = @customer) AND (@model::text IS NULL OR x.model = @model)
          AND (@status_min::int IS NULL OR x.status_code BETWEEN @status_min AND @status_max)
          AND (NOT @errors OR x.status_code NOT BETWEEN 200 AND 299)
          AND (@after::timestamptz IS NULL OR (x.occurred_at, x.request_id) < (@after, @after_id))
        """;

    private static readonly string Sql =
        $"""
        SELECT r.request_id, r.occurred_at, r.key_id, k.name, r.team_id, r.user_id, r.customer_id, r.model, r.deployment, r.endpoint,
               r.status_code, r.latency_ms, r.ttft_ms, r.prompt_tokens, r.completion_tokens, r.cost, r.flags,
               r.error_code, r.guardrail_hits, r.experiment_id, r.experiment_variant,
               r.attempts, r.cached_tokens, r.cache_write_tokens, r.reasoning_tokens
        FROM (
            (SELECT x.request_id, x.occurred_at, x.key_id, x.team_id, x.user_id, x.customer_id, x.model, x.deployment, x.endpoint,
                    x.status_code, x.latency_ms, x.ttft_ms, x.prompt_tokens, x.completion_tokens, x.cost, x.flags,
                    NULL::text AS error_code, x.guardrail_hits, x.experiment_id, x.experiment_variant,
                    x.attempts, x.cached_tokens, x.cache_write_tokens, x.reasoning_tokens
             FROM nemo.usage_events x
             WHERE {Filters}
             ORDER BY x.occurred_at DESC, x.request_id DESC LIMIT @limit)
            UNION ALL
            (SELECT x.request_id, x.occurred_at, x.key_id, x.team_id, x.user_id, x.customer_id, x.model, x.deployment, x.endpoint,
                    x.status_code, x.latency_ms, NULL::bigint, 0::bigint, 0::bigint, 0::bigint, 0,
                    x.error_code, x.guardrail_hits, x.experiment_id, x.experiment_variant,
                    x.attempts, 0::bigint, 0::bigint, 0::bigint
             FROM nemo.request_failures x
             WHERE {Filters} AND NOT EXISTS (SELECT 1 FROM nemo.usage_events u WHERE u.request_id = x.request_id)
             ORDER BY x.occurred_at DESC, x.request_id DESC LIMIT @limit)
        ) r
        LEFT JOIN nemo.api_keys k ON k.id = r.key_id
        ORDER BY r.occurred_at DESC, r.request_id DESC LIMIT @limit
        """;

    public async Task<(List<RequestLogEntry>? Rows, OpenAIError Error)> ListAsync(Guid organizationId, RequestLogFilter filter, RawWindow raw, Paging paging,
        CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(organizationId, cancellationToken);
        (UsageWindow? window, OpenAIError error) = await UsageWindow.ResolveAsync(session, raw, time.GetUtcNow(), cancellationToken);
        if (window is null)
            return (null, error);
        Guid afterId = Guid.TryParse(paging.AfterText, out Guid parsed) ? parsed : Guid.Empty;
        List<RequestLogEntry> rows = await session.ListAsync(Sql,
            r => new RequestLogEntry(r.GetGuid(0), r.GetFieldValue<DateTimeOffset>(1), r.GetGuid(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetGuid(4),
                r.IsDBNull(5) ? null : r.GetGuid(5), r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7),
                r.IsDBNull(8) ? null : r.GetString(8), r.GetString(9), r.GetInt32(10), r.GetInt64(11), r.IsDBNull(12) ? null : r.GetInt64(12),
                r.GetInt64(13), r.GetInt64(14), AdminJson.Money(r.GetInt64(15)), r.GetInt32(16), FlagNames((UsageFlags)r.GetInt32(16)),
                r.IsDBNull(17) ? null : r.GetString(17), r.IsDBNull(18) ? [] : r.GetFieldValue<Guid[]>(18),
                r.IsDBNull(19) ? null : r.GetGuid(19), r.IsDBNull(20) ? null : r.GetString(20),
                r.IsDBNull(21) ? null : r.GetInt32(21), r.GetInt64(22), r.GetInt64(23), r.GetInt64(24)),
            cancellationToken, ("org", organizationId), ("from", window.From), ("to", window.To), ("key", filter.KeyId), ("team", filter.TeamId),
            ("customer", filter.CustomerId), ("model", filter.Model), ("status_min", filter.StatusMin), ("status_max", filter.StatusMax),
            ("errors", filter.ErrorsOnly), ("after", paging.AfterTime), ("after_id", afterId), ("limit", paging.Fetch));
        return (rows, default);
    }

    private static readonly (UsageFlags Flag, string Name)[] Names =
    [
        (UsageFlags.Estimated, "estimated"), (UsageFlags.StreamCut, "stream_cut"), (UsageFlags.ClientAborted, "client_aborted"),
        (UsageFlags.CostCapped, "cost_capped"), (UsageFlags.TokensCapped, "tokens_capped"), (UsageFlags.UsageUnreadable, "usage_unreadable"),
        (UsageFlags.Abandoned, "abandoned"),
    ];

    internal static string[] FlagNames(UsageFlags flags) => flags == UsageFlags.None ? [] : Names.Where(n => flags.HasFlag(n.Flag)).Select(n => n.Name).ToArray();

    /// <summary>A request's kept text, or null (none kept, another organization's, or purged).</summary>
    public async Task<RequestContentView?> ContentAsync(Guid organizationId, Guid requestId, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(organizationId, cancellationToken);
        return await session.SingleAsync(
            "SELECT request_id, recorded_at, request, response, request_truncated, response_truncated FROM nemo.request_contents WHERE request_id = @id",
            r => new RequestContentView(r.GetGuid(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), r.GetString(3), r.GetBoolean(4), r.GetBoolean(5)),
            cancellationToken, ("id", requestId));
    }
}
