namespace Nemo.Gateway.Admin.Organizations;

/// <summary>
/// A PATCH of the organization's settings: a null property is "leave as is"; the Clear flags say that
/// an optional URL was sent as null (remove it).
/// </summary>
internal sealed record SettingsChange(
    string? Name, string? Slug, string? LogoUrl, bool ClearLogoUrl, string? Timezone, int? DataRetentionDays, bool? DataProcessing,
    string? Region, int? InvitationExpiryDays, string? WebhookUrl, bool ClearWebhookUrl, bool SetModels = false, string[]? Models = null,
    bool? ContentLogging = null);
