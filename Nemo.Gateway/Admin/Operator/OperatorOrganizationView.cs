namespace Nemo.Gateway.Admin.Operator;

/// <summary>An organization as the operator sees it (any organization, any status).</summary>
internal sealed record OperatorOrganizationView(
    Guid Id, string Name, string Slug, string Kind, string Plan, string Status, long? Rpm, long? Tpm, int? FeeBasisPoints,
    decimal CreditsPurchased, long Members, DateTimeOffset CreatedAt, DateTimeOffset? DeletedAt);
