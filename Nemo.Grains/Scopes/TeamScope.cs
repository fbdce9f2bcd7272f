using Nemo.Grains.Spend;
using Nemo.Grains.Storage;

namespace Nemo.Grains.Scopes;

/// <summary>Team status and the team's RPM/TPM buckets. Guarantees: requests of a disabled or deleted team are refused with 403 and change nothing.</summary>
internal sealed class TeamScope(TimeProvider time) : SpendScope(time)
{
    private TeamRecord? _record;

    protected override string ScopeName => "team";

    public override IReadOnlyList<string>? AllowedModels => _record?.Models;

    public void Apply(TeamRecord? record)
    {
        _record = record;
        Limits.Configure(record?.Rpm, record?.Tpm);
    }

    protected override ScopeDecision Check(Reservation reservation) =>
        _record is { Active: true }
            ? ScopeDecision.Admit()
            : ScopeDecision.Refuse(AuthorizeOutcome.Forbidden, "team_disabled", "The key's team is disabled or was deleted.");

    protected override void OnCharged(Charge charge)
    {
    }
}
