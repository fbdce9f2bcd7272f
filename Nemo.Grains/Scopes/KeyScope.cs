using Nemo.Grains.Spend;
using Nemo.Grains.Storage;
using Nemo.Grains.Tenancy;

namespace Nemo.Grains.Scopes;

/// <summary>
/// Key status, the owner's role and the key's RPM/TPM buckets.
/// Guarantees: a key that is unknown, disabled, revoked or past its expiry is refused with 401; a
/// viewer's key is refused with 403; neither refusal changes any bucket.
/// </summary>
internal sealed class KeyScope(TimeProvider time) : SpendScope(time)
{
    private ApiKeyRecord? _record;

    protected override string ScopeName => "key";

    public override IReadOnlyList<string>? AllowedModels => _record?.Models;

    public void Apply(ApiKeyRecord? record)
    {
        _record = record;
        Limits.Configure(record?.Rpm, record?.Tpm);
    }

    protected override ScopeDecision Check(Reservation reservation)
    {
        if (_record is null)
            return ScopeDecision.Refuse(AuthorizeOutcome.Unauthorized, "invalid_api_key", "Incorrect API key provided.");
        if (_record.Status == KeyStatus.Revoked)
            return ScopeDecision.Refuse(AuthorizeOutcome.Unauthorized, "invalid_api_key", "This API key has been revoked.");
        if (_record.Status == KeyStatus.Disabled)
            return ScopeDecision.Refuse(AuthorizeOutcome.Unauthorized, "invalid_api_key", "This API key is disabled.");
        if (_record.ExpiresAt is { } expiresAt && Time.GetUtcNow() >= expiresAt)
            return ScopeDecision.Refuse(AuthorizeOutcome.Unauthorized, "invalid_api_key", $"This API key expired at {expiresAt:O}.");
        if (_record.OwnerRole == MemberRole.Viewer)
            return ScopeDecision.Refuse(AuthorizeOutcome.Forbidden, "role_forbidden",
                "Keys of members with the viewer role cannot send LLM requests; ask an owner or admin to change the role.");
        return ScopeDecision.Admit();
    }

    protected override void OnCharged(Charge charge)
    {
    }
}
