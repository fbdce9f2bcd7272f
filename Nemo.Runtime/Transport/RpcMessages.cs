using Nemo.Grains.Contracts;
using Nemo.Grains.Spend;
using Nemo.Grains.Tenancy;

namespace Nemo.Runtime.Transport;

/// <summary>Settle's answer on the wire.</summary>
public sealed record SettleReply(SettleOutcome Outcome);

/// <summary>An answer with no value: NotOwner tells the caller to refresh its routing and retry.</summary>
public sealed record AckReply(bool NotOwner);

public sealed record CreditsQuery(Guid OrganizationId);

public sealed record CreditsReply(bool NotOwner, CreditsView Credits);

public sealed record BudgetQuery(Guid OrganizationId, BudgetScopeKind Kind, string ScopeId);

public sealed record BudgetReply(bool NotOwner, BudgetView Budget);

/// <summary>Reservations a gateway holds admissions for, re-presented to a partition's new owner after a crash.</summary>
public sealed record ReassertRequest(Guid OrganizationId, AuthorizeRequest[] Requests);

/// <summary>Deactivates every grain of an organization (e.g. it was deleted); the next call loads fresh state.</summary>
public sealed record DeactivateOrganizationCommand(Guid OrganizationId);

/// <summary>Tells a grain to re-read its configuration after an administrative change.</summary>
public sealed record RefreshCommand(Guid OrganizationId, string GrainType, string Key);
