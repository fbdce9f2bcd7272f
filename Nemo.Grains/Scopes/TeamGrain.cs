using Nemo.Grains.Contracts;
using Nemo.Grains.Spend;
using Nemo.Grains.Storage;

namespace Nemo.Grains.Scopes;

/// <summary>Guarantees: requests of a disabled or deleted team are refused with 403 and change nothing.</summary>
internal sealed class TeamGrain(GrainId id, ISpendStore store, IPersistentStateFactory states, TimeProvider time) : SpendScopeGrain(id, store, states, time), ITeamGrain
{
    private TeamRecord? _record;

    protected override string ScopeName => "team";

    protected override async Task LoadAsync(CancellationToken cancellationToken) =>
        Apply(await Store.LoadTeamAsync(Id.OrganizationId, Guid.Parse(Id.Key), cancellationToken));

    public override async ValueTask Refresh() =>
        Apply(await Store.LoadTeamAsync(Id.OrganizationId, Guid.Parse(Id.Key), CancellationToken.None));

    private void Apply(TeamRecord? record)
    {
        _record = record;
        Limits.Configure(record?.Rpm, record?.Tpm);
    }

    protected override ScopeDecision Check(Reservation reservation) =>
        _record is { Active: true }
            ? ScopeDecision.Admit()
            : ScopeDecision.Refuse(AuthorizeOutcome.Forbidden, "team_disabled", "The key's team is disabled or was deleted.");

    protected override ValueTask OnChargedAsync(Charge charge) => ValueTask.CompletedTask;
}
