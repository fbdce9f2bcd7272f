namespace Nemo.Gateway.Admin.Organizations;

/// <summary>An organization as its members see it. The webhook signing secret is shown to owners and admins only.</summary>
internal sealed record OrganizationView(
    Guid Id, string Name, string Slug, string Kind, string Plan, string Status, string? LogoUrl, string Timezone, int DataRetentionDays,
    bool DataProcessing, string Region, int InvitationExpiryDays, string? WebhookUrl, string? WebhookSecret, DateOnly BillingAnchor,
    DateTimeOffset CreatedAt, long MemberCount, long TeamCount, string[]? Models, bool ContentLogging);
