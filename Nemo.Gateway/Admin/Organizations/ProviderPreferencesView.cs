namespace Nemo.Gateway.Admin.Organizations;

/// <summary>
/// The organization's provider routing preferences as the API shows them, with the operator's provider
/// names they may use (so a client can offer them without guessing).
/// </summary>
internal sealed record ProviderPreferencesView(string[] Order, string[] Ignore, string[] Providers)
{
    public string Object => "provider_preferences";
}
