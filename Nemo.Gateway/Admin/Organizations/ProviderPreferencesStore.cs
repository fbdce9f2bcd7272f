using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Policies;
using Npgsql;
using NpgsqlTypes;

namespace Nemo.Gateway.Admin.Organizations;

/// <summary>
/// The organization's provider preferences (two text[] columns of its row), under row-level security. A
/// change commits with its audit entry (before and after) and a NOTIFY nemo_policies, so every gateway's
/// <see cref="PolicyCache"/> reloads the organization; this gateway reloads before it answers.
/// </summary>
internal sealed class ProviderPreferencesStore(AdminDatabase database, PolicyCache cache)
{
    private const string Select = "SELECT o.provider_order, o.provider_ignore FROM nemo.organizations o WHERE o.id = @org";

    private static Stored Read(NpgsqlDataReader r) => new(r.GetFieldValue<string[]>(0), r.GetFieldValue<string[]>(1));

    public async Task<(string[] Order, string[] Ignore)> GetAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(organizationId, cancellationToken);
        Stored stored = (await session.SingleAsync(Select, Read, cancellationToken, ("org", organizationId)))!;
        return (stored.Order, stored.Ignore);
    }

    public async Task<(string[] Order, string[] Ignore)> SetAsync(AdminCaller caller, string[] order, string[] ignore, CancellationToken cancellationToken)
    {
        await using (AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken))
        {
            Stored before = (await session.SingleAsync(Select + " FOR UPDATE OF o", Read, cancellationToken, ("org", caller.OrganizationId)))!;
            await session.ExecuteAsync("UPDATE nemo.organizations SET provider_order = @order, provider_ignore = @ignore WHERE id = @org", cancellationToken,
                ("org", caller.OrganizationId), ("order", TextArray(order)), ("ignore", TextArray(ignore)));
            await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "organization.provider_preferences",
                $"organization:{caller.OrganizationId}", new { before.Order, before.Ignore }, new { Order = order, Ignore = ignore }), cancellationToken);
            await session.NotifyPoliciesAsync(caller.OrganizationId, cancellationToken);
            await session.CommitAsync(cancellationToken);
        }
        await cache.ReloadOrganizationAsync(caller.OrganizationId, CancellationToken.None);
        return (order, ignore);
    }

    private static NpgsqlParameter TextArray(string[] values) => new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = values };

    private sealed record Stored(string[] Order, string[] Ignore);
}
