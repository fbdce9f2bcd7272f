using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Nemo.Gateway.Caching;
using Nemo.Gateway.Experiments;
using Nemo.Gateway.Guardrails;
using Nemo.Gateway.Prompts;
using Nemo.Gateway.Routing;
using Nemo.Persistence.Database;
using Npgsql;

namespace Nemo.Gateway.Policies;

/// <summary>
/// Organization id → <see cref="OrganizationPolicies"/> (guardrails, prompts, experiments, provider
/// preferences), in memory, like the key cache: loaded whole at
/// start, reloaded per organization on a change notification (<see cref="PolicyChangeListener"/>; the
/// gateway that made the change reloads before it answers) and wholly every minute and after any
/// reconnect. The request path only reads memory. Reads use the service connection (the cache serves every
/// organization), so the queries name the organization explicitly.
/// </summary>
internal sealed partial class PolicyCache(NemoDatabase database, ILogger<PolicyCache> logger)
{
    private volatile ConcurrentDictionary<Guid, OrganizationPolicies> _organizations = new();
    private readonly FirstLoadGate _firstLoad = new();

    /// <summary>Whether the first whole read after start-up has completed (until then requests wait: see <see cref="WaitUntilLoadedAsync"/>).</summary>
    public bool Loaded => _firstLoad.IsOpen;

    /// <summary>Holds a request until the policies have been read once: a gateway never serves a request without its organization's guardrails.</summary>
    public Task WaitUntilLoadedAsync(CancellationToken cancellationToken) => _firstLoad.WaitAsync(ReloadAllAsync, cancellationToken);

    public OrganizationPolicies For(Guid organizationId) =>
        _organizations.TryGetValue(organizationId, out OrganizationPolicies? policies) ? policies : OrganizationPolicies.Empty;

    public async Task ReloadAllAsync(CancellationToken cancellationToken)
    {
        Dictionary<Guid, OrganizationPolicies> loaded = await LoadAsync(null, cancellationToken);
        _organizations = new ConcurrentDictionary<Guid, OrganizationPolicies>(loaded);
        _firstLoad.Open();
        LogReloaded(loaded.Count);
    }

    public async Task ReloadOrganizationAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        Dictionary<Guid, OrganizationPolicies> loaded = await LoadAsync(organizationId, cancellationToken);
        if (loaded.TryGetValue(organizationId, out OrganizationPolicies? policies))
            _organizations[organizationId] = policies;
        else
            _organizations.TryRemove(organizationId, out _);
    }

    private async Task<Dictionary<Guid, OrganizationPolicies>> LoadAsync(Guid? organizationId, CancellationToken cancellationToken)
    {
        var guardrails = new Dictionary<Guid, List<GuardrailRule>>();
        var versions = new Dictionary<Guid, (Guid Org, int Latest, Dictionary<int, PromptTemplate> Versions, Dictionary<string, int> Labels)>();
        var experiments = new Dictionary<Guid, List<ExperimentEntry>>();
        var providers = new Dictionary<Guid, ProviderPreferences>();
        string where = organizationId is null ? "" : " AND x.organization_id = @org";
        await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SELECT x.organization_id, x.id, x.team_id, x.key_id, x.kind, x.action, x.applies_to, x.config::text FROM nemo.guardrails x WHERE x.enabled" + where + " ORDER BY x.created_at, x.id"),
                new NpgsqlBatchCommand("SELECT x.organization_id, x.id, x.latest_version FROM nemo.prompts x WHERE true" + where),
                new NpgsqlBatchCommand("SELECT x.prompt_id, x.version, x.template::text FROM nemo.prompt_versions x WHERE true" + where),
                new NpgsqlBatchCommand("SELECT x.prompt_id, x.label, x.version FROM nemo.prompt_labels x WHERE true" + where),
                new NpgsqlBatchCommand("SELECT x.organization_id, x.id, x.match_model, x.match_prompt_id, x.variants::text FROM nemo.experiments x WHERE x.status = 'running'" + where),
                new NpgsqlBatchCommand("SELECT x.id, x.provider_order, x.provider_ignore FROM nemo.organizations x WHERE x.status <> 'deleted'"
                    + " AND (cardinality(x.provider_order) > 0 OR cardinality(x.provider_ignore) > 0)" + (organizationId is null ? "" : " AND x.id = @org")),
            },
        };
        if (organizationId is { } only)
        {
            foreach (NpgsqlBatchCommand command in batch.BatchCommands)
                command.Parameters.AddWithValue("org", only);
        }
        await using NpgsqlDataReader reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            Guid org = reader.GetGuid(0), id = reader.GetGuid(1);
            GuardrailConfig.TryParseKind(reader.GetString(4), out GuardrailKind kind);
            GuardrailConfig.TryParseAction(reader.GetString(5), out GuardrailAction action);
            GuardrailConfig.TryParseStage(reader.GetString(6), out GuardrailStage stage);
            using JsonDocument config = JsonDocument.Parse(reader.GetString(7));
            if (!GuardrailConfig.TryCompile(kind, action, stage, config.RootElement, out GuardrailMatcher? matcher, out long max, out string? problem))
            {
                LogSkipped(id, problem ?? "");
                continue;
            }
            var rule = new GuardrailRule(id, kind, action, stage, reader.IsDBNull(2) ? null : reader.GetGuid(2), reader.IsDBNull(3) ? null : reader.GetGuid(3), matcher, max);
            (guardrails.TryGetValue(org, out List<GuardrailRule>? list) ? list : guardrails[org] = []).Add(rule);
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            versions[reader.GetGuid(1)] = (reader.GetGuid(0), reader.GetInt32(2), [], new Dictionary<string, int>(StringComparer.Ordinal));
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!versions.TryGetValue(reader.GetGuid(0), out var prompt))
                continue;
            using JsonDocument template = JsonDocument.Parse(reader.GetString(2));
            if (PromptTemplate.TryParse(template.RootElement, out _) is { } parsed)
                prompt.Versions[reader.GetInt32(1)] = parsed;
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (versions.TryGetValue(reader.GetGuid(0), out var prompt))
                prompt.Labels[reader.GetString(1)] = reader.GetInt32(2);
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            Guid org = reader.GetGuid(0);
            ExperimentVariant[] variants = ExperimentVariants.Parse(reader.GetString(4));
            if (variants.Length == 0)
                continue;
            var entry = new ExperimentEntry(reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetGuid(3), variants);
            (experiments.TryGetValue(org, out List<ExperimentEntry>? list) ? list : experiments[org] = []).Add(entry);
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            providers[reader.GetGuid(0)] = new ProviderPreferences(reader.GetFieldValue<string[]>(1), reader.GetFieldValue<string[]>(2));

        var prompts = new Dictionary<Guid, Dictionary<Guid, PromptEntry>>();
        foreach ((Guid id, var p) in versions)
            (prompts.TryGetValue(p.Org, out var map) ? map : prompts[p.Org] = [])[id] = new PromptEntry(id, p.Latest, p.Versions, p.Labels);
        var result = new Dictionary<Guid, OrganizationPolicies>();
        foreach (Guid org in guardrails.Keys.Concat(prompts.Keys).Concat(experiments.Keys).Concat(providers.Keys).Distinct())
        {
            result[org] = new OrganizationPolicies(
                guardrails.TryGetValue(org, out List<GuardrailRule>? g) ? g.ToArray() : [],
                prompts.TryGetValue(org, out var p) ? p : new Dictionary<Guid, PromptEntry>(),
                experiments.TryGetValue(org, out List<ExperimentEntry>? e) ? e.ToArray() : [])
            {
                Providers = providers.TryGetValue(org, out ProviderPreferences? preferences) ? preferences : ProviderPreferences.None,
            };
        }
        return result;
    }

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Policy cache loaded guardrails, prompts, experiments and provider preferences of {Count} organizations")]
    private partial void LogReloaded(int count);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Warning, Message = "Guardrail {RuleId} does not compile and is skipped: {Problem}")]
    private partial void LogSkipped(Guid ruleId, string problem);
}
