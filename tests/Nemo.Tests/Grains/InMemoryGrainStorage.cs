using Nemo.Grains.Storage;
using Nemo.Grains.Tenancy;

namespace Nemo.Tests.Grains;

/// <summary>An in-memory spend store for SpendBook unit tests (the PostgreSQL one is exercised by every host test).</summary>
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
