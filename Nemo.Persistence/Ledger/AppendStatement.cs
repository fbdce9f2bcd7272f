using Nemo.Grains.Storage;
using Nemo.Persistence.Database;
using Npgsql;

namespace Nemo.Persistence.Ledger;

/// <summary>
/// The group-commit statement on one dedicated connection, prepared once: insert a batch of usage
/// events, add them to the per-day spend totals, and check each event's epoch against its
/// organization's activation row (read FOR SHARE) — all in one round trip and one commit. Rows are
/// locked in a fixed order (activation rows by organization, daily totals by their key), so two
/// writers committing overlapping batches wait for each other instead of deadlocking.
/// </summary>
internal sealed class AppendStatement : IAsyncDisposable
{
    private const string Sql =
        """
        WITH batch AS (
            SELECT * FROM unnest(@request_id, @org, @team, @key, @user, @customer, @model, @endpoint, @prompt, @completion,
                                 @cost, @flags, @status, @latency, @epoch, @occurred, @deployment, @ttft,
                                 @guardrail_hits, @experiment_id, @experiment_variant, @attempts, @cached, @cache_write, @reasoning)
                AS b(request_id, organization_id, team_id, key_id, user_id, customer_id, model, endpoint, prompt_tokens,
                     completion_tokens, cost, flags, status_code, latency_ms, epoch, occurred_at, deployment, ttft_ms,
                     guardrail_hits, experiment_id, experiment_variant, attempts, cached_tokens, cache_write_tokens, reasoning_tokens)
        ),
        fences AS (
            SELECT organization_id, epoch FROM nemo.organization_activations
            WHERE organization_id = ANY(@orgs)
            ORDER BY organization_id
            FOR SHARE
        ),
        valid AS (
            SELECT b.* FROM batch b JOIN fences f ON f.organization_id = b.organization_id AND f.epoch = b.epoch
        ),
        ins AS (
            INSERT INTO nemo.usage_events (request_id, organization_id, team_id, key_id, user_id, customer_id, model, endpoint,
                prompt_tokens, completion_tokens, cost, flags, status_code, latency_ms, epoch, occurred_at, deployment, ttft_ms,
                guardrail_hits, experiment_id, experiment_variant, attempts, cached_tokens, cache_write_tokens, reasoning_tokens)
            SELECT request_id, organization_id, team_id, key_id, user_id, customer_id, model, endpoint,
                prompt_tokens, completion_tokens, cost, flags, status_code, latency_ms, epoch, occurred_at, deployment, ttft_ms,
                string_to_array(guardrail_hits, ',')::uuid[], experiment_id, experiment_variant, attempts, cached_tokens, cache_write_tokens,
                reasoning_tokens
            FROM valid
            ORDER BY request_id
            ON CONFLICT (request_id) DO NOTHING
            RETURNING request_id, organization_id, team_id, key_id, customer_id, prompt_tokens, completion_tokens, cost,
                (occurred_at AT TIME ZONE 'UTC')::date AS day
        ),
        scoped AS (
            SELECT organization_id, 'organization' AS scope, organization_id::text AS scope_id, day, prompt_tokens, completion_tokens, cost FROM ins
            UNION ALL SELECT organization_id, 'team', team_id::text, day, prompt_tokens, completion_tokens, cost FROM ins
            UNION ALL SELECT organization_id, 'key', key_id::text, day, prompt_tokens, completion_tokens, cost FROM ins
            UNION ALL SELECT organization_id, 'customer', customer_id, day, prompt_tokens, completion_tokens, cost FROM ins WHERE customer_id IS NOT NULL
        ),
        totals AS (
            INSERT INTO nemo.usage_daily AS d (organization_id, scope, scope_id, day, requests, prompt_tokens, completion_tokens, cost)
            SELECT organization_id, scope, scope_id, day, count(*), sum(prompt_tokens), sum(completion_tokens), sum(cost)
            FROM scoped GROUP BY organization_id, scope, scope_id, day
            ORDER BY organization_id, scope, scope_id, day
            ON CONFLICT (organization_id, scope, scope_id, day) DO UPDATE SET
                requests = d.requests + excluded.requests,
                prompt_tokens = d.prompt_tokens + excluded.prompt_tokens,
                completion_tokens = d.completion_tokens + excluded.completion_tokens,
                cost = d.cost + excluded.cost
        )
        SELECT v.request_id, i.request_id IS NOT NULL, e.epoch = v.epoch
        FROM valid v
        LEFT JOIN ins i ON i.request_id = v.request_id
        LEFT JOIN nemo.usage_events e ON e.request_id = v.request_id
        """;

    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlCommand _command;

    private AppendStatement(NpgsqlConnection connection)
    {
        _connection = connection;
        _command = new NpgsqlCommand(Sql, connection);
        AddArray<Guid>("request_id");
        AddArray<Guid>("org");
        AddArray<Guid>("team");
        AddArray<Guid>("key");
        AddArray<Guid?>("user");
        AddArray<string?>("customer");
        AddArray<string>("model");
        AddArray<string>("endpoint");
        AddArray<long>("prompt");
        AddArray<long>("completion");
        AddArray<long>("cost");
        AddArray<int>("flags");
        AddArray<int>("status");
        AddArray<long>("latency");
        AddArray<long>("epoch");
        AddArray<DateTimeOffset>("occurred");
        AddArray<string?>("deployment");
        AddArray<long?>("ttft");
        AddArray<string?>("guardrail_hits");
        AddArray<Guid?>("experiment_id");
        AddArray<string?>("experiment_variant");
        AddArray<int?>("attempts");
        AddArray<long>("cached");
        AddArray<long>("cache_write");
        AddArray<long>("reasoning");
        AddArray<Guid>("orgs");
    }

    private void AddArray<T>(string name) => _command.Parameters.Add(new NpgsqlParameter<T[]>(name, []));

    public static async Task<AppendStatement> OpenAsync(NemoDatabase database)
    {
        NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync();
        var statement = new AppendStatement(connection);
        try
        {
            await statement._command.PrepareAsync();
            return statement;
        }
        catch
        {
            await statement.DisposeAsync();
            throw;
        }
    }

    public async Task<Dictionary<Guid, AppendOutcome>> ExecuteAsync(GroupCommitLedger.Pending[] batch)
    {
        Set("request_id", batch.Select(p => p.Usage.RequestId));
        Set("org", batch.Select(p => p.Usage.OrganizationId));
        Set("team", batch.Select(p => p.Usage.TeamId));
        Set("key", batch.Select(p => p.Usage.KeyId));
        Set("user", batch.Select(p => p.Usage.UserId));
        Set("customer", batch.Select(p => p.Usage.CustomerId));
        Set("model", batch.Select(p => p.Usage.Model));
        Set("endpoint", batch.Select(p => p.Usage.Endpoint));
        Set("prompt", batch.Select(p => p.Usage.PromptTokens));
        Set("completion", batch.Select(p => p.Usage.CompletionTokens));
        Set("cost", batch.Select(p => p.Usage.Cost));
        Set("flags", batch.Select(p => (int)p.Usage.Flags));
        Set("status", batch.Select(p => p.Usage.StatusCode));
        Set("latency", batch.Select(p => p.Usage.LatencyMs));
        Set("epoch", batch.Select(p => p.Epoch));
        Set("occurred", batch.Select(p => p.OccurredAt));
        Set("deployment", batch.Select(p => p.Usage.Deployment));
        Set("ttft", batch.Select(p => p.Usage.FirstTokenMs));
        // Rule ids travel as one comma-separated text per event (unnest can't take a jagged array).
        Set("guardrail_hits", batch.Select(p => p.Usage.GuardrailHits is { Length: > 0 } hits ? string.Join(',', hits) : null));
        Set("experiment_id", batch.Select(p => p.Usage.ExperimentId));
        Set("experiment_variant", batch.Select(p => p.Usage.ExperimentVariant));
        Set("attempts", batch.Select(p => p.Usage.Attempts));
        Set("cached", batch.Select(p => p.Usage.CachedTokens));
        Set("cache_write", batch.Select(p => p.Usage.CacheWriteTokens));
        Set("reasoning", batch.Select(p => p.Usage.ReasoningTokens));
        Set("orgs", batch.Select(p => p.Usage.OrganizationId).Distinct());

        var outcomes = new Dictionary<Guid, AppendOutcome>(batch.Length);
        await using NpgsqlDataReader reader = await _command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            outcomes[reader.GetGuid(0)] = reader.GetBoolean(1) ? AppendOutcome.Inserted
                : !reader.IsDBNull(2) && reader.GetBoolean(2) ? AppendOutcome.DuplicateThisEpoch
                : AppendOutcome.Duplicate;
        return outcomes;
    }

    private void Set<T>(string name, IEnumerable<T> values) => ((NpgsqlParameter<T[]>)_command.Parameters[name]).TypedValue = values.ToArray();

    public async ValueTask DisposeAsync()
    {
        await _command.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
