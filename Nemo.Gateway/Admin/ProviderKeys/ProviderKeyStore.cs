using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Credentials;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Admin.ProviderKeys;

/// <summary>
/// Organizations' own provider credentials under row-level security: the secret is encrypted with Data
/// Protection before it is written, and no read returns it. Each change is audited (without the secret)
/// and announced to every gateway's <see cref="ProviderCredentialCache"/>.
/// </summary>
internal sealed class ProviderKeyStore(AdminDatabase database, ProviderCredentialCache credentials, TimeProvider time)
{
    private const string Columns = "provider, created_at, updated_at";

    private static ProviderKeyView Read(Npgsql.NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetFieldValue<DateTimeOffset>(1), r.GetFieldValue<DateTimeOffset>(2));

    public async Task<List<ProviderKeyView>> ListAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(organizationId, cancellationToken);
        return await session.ListAsync($"SELECT {Columns} FROM nemo.provider_credentials ORDER BY provider", Read, cancellationToken);
    }

    public async Task<ProviderKeyView> SetAsync(AdminCaller caller, string provider, string secret, CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        ProviderKeyView? before = await session.SingleAsync($"SELECT {Columns} FROM nemo.provider_credentials WHERE provider = @provider FOR UPDATE", Read,
            cancellationToken, ("provider", provider));
        ProviderKeyView after = (await session.SingleAsync(
            $"""
            INSERT INTO nemo.provider_credentials (organization_id, provider, secret_protected, created_at, updated_at)
            VALUES (@org, @provider, @secret, @now, @now)
            ON CONFLICT (organization_id, provider) DO UPDATE SET secret_protected = excluded.secret_protected, updated_at = excluded.updated_at
            RETURNING {Columns}
            """, Read, cancellationToken, ("org", caller.OrganizationId), ("provider", provider), ("secret", credentials.Protect(secret)), ("now", now)))!;
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, before is null ? "provider_key.create" : "provider_key.replace",
            $"provider:{provider}", before is null ? null : new { provider, set = true }, new { provider, set = true }), cancellationToken);
        await NotifyAsync(session, caller.OrganizationId, cancellationToken);
        await session.CommitAsync(cancellationToken);
        await credentials.ReloadOrganizationAsync(caller.OrganizationId, CancellationToken.None);
        return after;
    }

    public async Task<Outcome<bool>> DeleteAsync(AdminCaller caller, string provider, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        int deleted = await session.ExecuteAsync("DELETE FROM nemo.provider_credentials WHERE provider = @provider", cancellationToken, ("provider", provider));
        if (deleted == 0)
            return AdminErrors.NotFound("provider key", provider);
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "provider_key.delete", $"provider:{provider}",
            new { provider, set = true }, null), cancellationToken);
        await NotifyAsync(session, caller.OrganizationId, cancellationToken);
        await session.CommitAsync(cancellationToken);
        await credentials.ReloadOrganizationAsync(caller.OrganizationId, CancellationToken.None);
        return Outcome<bool>.Success(true);
    }

    private static Task NotifyAsync(AdminSession session, Guid organizationId, CancellationToken cancellationToken) =>
        session.ExecuteAsync("SELECT pg_notify(@channel, @payload)", cancellationToken,
            ("channel", ProviderCredentialListener.ChannelName), ("payload", organizationId.ToString()));
}
