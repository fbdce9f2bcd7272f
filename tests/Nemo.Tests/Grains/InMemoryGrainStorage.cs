using Nemo.Grains.Contracts;
using Nemo.Grains.Storage;
using Nemo.Grains.Tenancy;

namespace Nemo.Tests.Grains;

/// <summary>In-memory stand-ins for the grain storage interfaces, for grain unit tests (the PostgreSQL versions are tested in Runtime/).</summary>
internal sealed class InMemorySpendStore : ISpendStore
{
    public Dictionary<Guid, ApiKeyRecord> Keys { get; } = new();
    public Dictionary<Guid, TeamRecord> Teams { get; } = new();
    public Dictionary<Guid, OrganizationRecord> Organizations { get; } = new();
    public Dictionary<BudgetScope, BudgetRecord> Budgets { get; } = new();
    public long DurableSpend { get; set; }

    public Task<ApiKeyRecord?> LoadKeyAsync(Guid organizationId, Guid keyId, CancellationToken cancellationToken) => Task.FromResult(Keys.GetValueOrDefault(keyId));
    public Task<TeamRecord?> LoadTeamAsync(Guid organizationId, Guid teamId, CancellationToken cancellationToken) => Task.FromResult(Teams.GetValueOrDefault(teamId));
    public Task<OrganizationRecord?> LoadOrganizationAsync(Guid organizationId, CancellationToken cancellationToken) => Task.FromResult(Organizations.GetValueOrDefault(organizationId));
    public Task<BudgetRecord?> LoadBudgetAsync(Guid organizationId, BudgetScope scope, CancellationToken cancellationToken) => Task.FromResult(Budgets.GetValueOrDefault(scope));
    public HashSet<Guid> Settled { get; } = new();

    public Task<IReadOnlySet<Guid>> SettledAmongAsync(Guid organizationId, IReadOnlyCollection<Guid> requestIds, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlySet<Guid>>(requestIds.Where(Settled.Contains).ToHashSet());

    public Task<long> LoadSpendAsync(Guid organizationId, BudgetScope scope, DateOnly fromDay, CancellationToken cancellationToken) => Task.FromResult(DurableSpend);
}

internal sealed class InMemoryStateFactory : IPersistentStateFactory
{
    public Dictionary<string, (long ETag, string Json)> Rows { get; } = new();

    public IPersistentState<TState> Create<TState>(GrainId grainId, string stateName) where TState : class, new() =>
        new MemoryState<TState>(this, $"{grainId}#{stateName}");

    private sealed class MemoryState<TState>(InMemoryStateFactory owner, string id) : IPersistentState<TState> where TState : class, new()
    {
        public TState State { get; set; } = new();
        public long ETag { get; private set; }
        public bool RecordExists => ETag > 0;

        public Task ReadAsync(CancellationToken cancellationToken)
        {
            if (owner.Rows.TryGetValue(id, out var row))
            {
                ETag = row.ETag;
                State = System.Text.Json.JsonSerializer.Deserialize<TState>(row.Json)!;
            }
            return Task.CompletedTask;
        }

        public Task WriteAsync(CancellationToken cancellationToken)
        {
            if (owner.Rows.TryGetValue(id, out var row) && row.ETag != ETag)
                throw new StateConflictException("stale etag");
            ETag++;
            owner.Rows[id] = (ETag, System.Text.Json.JsonSerializer.Serialize(State));
            return Task.CompletedTask;
        }
    }
}

internal sealed class RecordingNotifications : IBudgetNotifications
{
    public List<(BudgetScope Scope, int Threshold, DateOnly PeriodStart)> Sent { get; } = new();

    public Task EnqueueThresholdCrossedAsync(Guid organizationId, BudgetScope scope, int thresholdPercent, DateOnly periodStart, long spentNanos, long limitNanos, CancellationToken cancellationToken)
    {
        Sent.Add((scope, thresholdPercent, periodStart));
        return Task.CompletedTask;
    }
}
