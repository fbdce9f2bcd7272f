using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Npgsql;

namespace Nemo.Gateway.Admin.Operator;

/// <summary>The operator's reads and writes across organizations (service connection: the operator is above tenancy).</summary>
internal sealed class OperatorStore(AdminDatabase database)
{
    private const string Select =
        """
        SELECT o.id, o.name, o.slug, o.kind, o.plan, o.status, o.rpm, o.tpm, o.fee_basis_points, o.credits_purchased,
               (SELECT count(*) FROM nemo.memberships m WHERE m.organization_id = o.id), o.created_at, o.deleted_at
        FROM nemo.organizations o
        """;

    private static OperatorOrganizationView Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5),
        r.IsDBNull(6) ? null : r.GetInt64(6), r.IsDBNull(7) ? null : r.GetInt64(7), r.IsDBNull(8) ? null : r.GetInt32(8),
        AdminJson.Money(r.GetInt64(9)), r.GetInt64(10), r.GetFieldValue<DateTimeOffset>(11), r.IsDBNull(12) ? null : r.GetFieldValue<DateTimeOffset>(12));

    public async Task<List<OperatorOrganizationView>> ListAsync(Paging paging, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.ServiceAsync(cancellationToken);
        return await session.ListAsync(Select +
            " WHERE @after::timestamptz IS NULL OR (o.created_at, o.id) < (@after, @after_id) ORDER BY o.created_at DESC, o.id DESC LIMIT @limit",
            Read, cancellationToken, ("after", paging.AfterTime), ("after_id", Guid.TryParse(paging.AfterText, out Guid g) ? g : Guid.Empty), ("limit", paging.Fetch));
    }

    public async Task<OperatorOrganizationView?> GetAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.ServiceAsync(cancellationToken);
        return await session.SingleAsync(Select + " WHERE o.id = @org", Read, cancellationToken, ("org", organizationId));
    }

    public async Task<OperatorOrganizationView?> PatchAsync(Guid organizationId, OperatorChange change, AdminCaller caller, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.ServiceAsync(cancellationToken);
        OperatorOrganizationView? before = await session.SingleAsync(Select + " WHERE o.id = @org AND o.status = 'active' FOR UPDATE OF o", Read, cancellationToken, ("org", organizationId));
        if (before is null)
            return null;
        await session.ExecuteAsync(
            """
            UPDATE nemo.organizations SET
                plan = coalesce(@plan, plan),
                rpm = CASE WHEN @set_rpm THEN @rpm ELSE rpm END,
                tpm = CASE WHEN @set_tpm THEN @tpm ELSE tpm END,
                fee_basis_points = CASE WHEN @set_fee THEN @fee ELSE fee_basis_points END
            WHERE id = @org
            """, cancellationToken,
            ("org", organizationId), ("plan", change.Plan), ("set_rpm", change.SetRpm), ("rpm", (object?)change.Rpm ?? DBNull.Value),
            ("set_tpm", change.SetTpm), ("tpm", (object?)change.Tpm ?? DBNull.Value), ("set_fee", change.SetFee), ("fee", (object?)change.FeeBasisPoints ?? DBNull.Value));
        OperatorOrganizationView after = (await session.SingleAsync(Select + " WHERE o.id = @org", Read, cancellationToken, ("org", organizationId)))!;
        await session.AuditAsync(new AuditEntry(organizationId, caller.Actor, caller.Ip, "organization.terms_change", $"organization:{organizationId}",
            new { before.Plan, before.Rpm, before.Tpm, before.FeeBasisPoints }, new { after.Plan, after.Rpm, after.Tpm, after.FeeBasisPoints }), cancellationToken);
        await session.CommitAsync(cancellationToken);
        return after;
    }
}
