namespace Nemo.Gateway.Admin.ProviderKeys;

/// <summary>An organization's stored provider credential as the API shows it: that it exists, never the secret.</summary>
internal sealed record ProviderKeyView(string Provider, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
