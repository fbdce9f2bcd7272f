using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging;
using Nemo.Gateway.Caching;
using Nemo.Gateway.Providers;
using Nemo.Persistence.Database;
using Npgsql;

namespace Nemo.Gateway.Credentials;

/// <summary>
/// Organizations' own provider credentials (bring your own key), decrypted, in memory on every gateway:
/// all of them are read when the gateway connects and every minute, and an organization's again when a
/// change is announced (<see cref="ProviderCredentialListener"/>), so the request path makes no database
/// round trip. Until the first read completes, a request waits for it: a request must never go out with
/// the operator's credential when the tenant stored its own.
/// </summary>
internal sealed partial class ProviderCredentialCache(NemoDatabase database, IDataProtectionProvider protection, ILogger<ProviderCredentialCache> logger)
{
    public const string Purpose = "nemo.provider-credentials.v1";

    private readonly IDataProtector _protector = protection.CreateProtector(Purpose);
    private readonly ConcurrentDictionary<Guid, IReadOnlyDictionary<string, string>> _byOrganization = new();
    private readonly FirstLoadGate _firstLoad = new();

    public string Protect(string secret) => _protector.Protect(secret);

    /// <summary>The model as this organization's request should reach it: with the organization's credential for its provider, if it stored one.</summary>
    public async ValueTask<CatalogModel> ApplyAsync(Guid organizationId, CatalogModel model, CancellationToken cancellationToken)
    {
        if (!_firstLoad.IsOpen)
            await WaitUntilLoadedAsync(cancellationToken);
        return _byOrganization.TryGetValue(organizationId, out IReadOnlyDictionary<string, string>? secrets) && secrets.TryGetValue(model.Provider, out string? secret)
            ? model with { ApiKey = secret }
            : model;
    }

    public bool Loaded => _firstLoad.IsOpen;

    public Task WaitUntilLoadedAsync(CancellationToken cancellationToken) => _firstLoad.WaitAsync(ReloadAllAsync, cancellationToken);

    public async Task ReloadAllAsync(CancellationToken cancellationToken)
    {
        var all = new Dictionary<Guid, Dictionary<string, string>>();
        await using (NpgsqlCommand command = database.DataSource.CreateCommand("SELECT organization_id, provider, secret_protected FROM nemo.provider_credentials"))
        await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                Guid organization = reader.GetGuid(0);
                if (Unprotect(organization, reader.GetString(1), reader.GetString(2)) is not { } secret)
                    continue;
                if (!all.TryGetValue(organization, out Dictionary<string, string>? secrets))
                    all[organization] = secrets = new Dictionary<string, string>(StringComparer.Ordinal);
                secrets[reader.GetString(1)] = secret;
            }
        }
        foreach (Guid gone in _byOrganization.Keys.Where(k => !all.ContainsKey(k)))
            _byOrganization.TryRemove(gone, out _);
        foreach ((Guid organization, Dictionary<string, string> secrets) in all)
            _byOrganization[organization] = secrets;
        _firstLoad.Open();
    }

    public async Task ReloadOrganizationAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (NpgsqlCommand command = database.DataSource.CreateCommand(
                         "SELECT provider, secret_protected FROM nemo.provider_credentials WHERE organization_id = @org"))
        {
            command.Parameters.AddWithValue("org", organizationId);
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (Unprotect(organizationId, reader.GetString(0), reader.GetString(1)) is { } secret)
                    secrets[reader.GetString(0)] = secret;
            }
        }
        if (secrets.Count == 0)
            _byOrganization.TryRemove(organizationId, out _);
        else
            _byOrganization[organizationId] = secrets;
    }

    private string? Unprotect(Guid organization, string provider, string protectedSecret)
    {
        try
        {
            return _protector.Unprotect(protectedSecret);
        }
        catch (CryptographicException ex)
        {
            // E.g. NEMO_MASTER_KEY changed: the key ring can't be read. The organization's requests then use
            // the operator's credential until its owner sets the key again.
            LogUnreadable(ex, organization, provider);
            return null;
        }
    }

    [LoggerMessage(EventId = 7701, Level = LogLevel.Warning, Message = "The stored {Provider} credential of organization {OrganizationId} can't be decrypted (was NEMO_MASTER_KEY changed?); its requests use the operator's credential until it is set again")]
    private partial void LogUnreadable(Exception exception, Guid organizationId, string provider);
}
