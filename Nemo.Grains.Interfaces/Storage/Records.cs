using Nemo.Grains.Tenancy;

namespace Nemo.Grains.Storage;

public sealed record ApiKeyRecord(
    Guid Id,
    Guid OrganizationId,
    Guid TeamId,
    Guid? UserId,
    MemberRole OwnerRole,
    KeyStatus Status,
    DateTimeOffset? ExpiresAt,
    long? Rpm,
    long? Tpm,
    IReadOnlyList<string>? Models = null);

/// <param name="Models">The team's model allow-list; null allows every model.</param>
public sealed record TeamRecord(Guid Id, Guid OrganizationId, bool Active, long? Rpm, long? Tpm, IReadOnlyList<string>? Models = null);

public sealed record OrganizationRecord(
    Guid Id,
    string Plan,
    bool Active,
    long PurchasedNanos,
    long? Rpm,
    long? Tpm,
    IReadOnlyList<BudgetScope> Budgets,
    IReadOnlyList<string>? Models = null,
    bool ContentLogging = false);

public sealed record BudgetRecord(
    Guid OrganizationId,
    BudgetScope Scope,
    long LimitNanos,
    BudgetPeriod Period,
    DateOnly Anchor,
    IReadOnlyList<int> SoftThresholds,
    long? Rpm,
    long? Tpm);
