using System.Security.Cryptography;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Members;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Nemo.Grains.Tenancy;
using Npgsql;

namespace Nemo.Gateway.Admin.Organizations;

/// <summary>The organization's own row: settings, ownership transfer and deletion, under row-level security.</summary>
internal sealed class OrganizationStore(AdminDatabase database, TimeProvider time)
{
    private const string UniqueViolation = "23505";

    private const string Select =
        """
        SELECT o.id, o.name, o.slug, o.kind, o.plan, o.status, o.logo_url, o.timezone, o.data_retention_days, o.data_processing, o.region,
               o.invitation_expiry_days, o.webhook_url, o.webhook_secret, o.billing_anchor, o.created_at,
               (SELECT count(*) FROM nemo.memberships m WHERE m.organization_id = o.id),
               (SELECT count(*) FROM nemo.teams t WHERE t.organization_id = o.id), o.models, o.content_logging
        FROM nemo.organizations o WHERE o.id = @org
        """;

    private static OrganizationView Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6),
        r.GetString(7), r.GetInt32(8), r.GetBoolean(9), r.GetString(10), r.GetInt32(11), r.IsDBNull(12) ? null : r.GetString(12),
        r.IsDBNull(13) ? null : r.GetString(13), r.GetFieldValue<DateOnly>(14), r.GetFieldValue<DateTimeOffset>(15), r.GetInt64(16), r.GetInt64(17),
        r.IsDBNull(18) ? null : r.GetFieldValue<string[]>(18), r.GetBoolean(19));

    public async Task<OrganizationView> GetAsync(AdminCaller caller, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        OrganizationView view = (await session.SingleAsync(Select, Read, cancellationToken, ("org", caller.OrganizationId)))!;
        return caller.IsAtLeast(MemberRole.Admin) ? view : view with { WebhookSecret = null };
    }

    public async Task<Outcome<OrganizationView>> UpdateAsync(AdminCaller caller, SettingsChange change, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        OrganizationView before = (await session.SingleAsync(Select + " FOR UPDATE OF o", Read, cancellationToken, ("org", caller.OrganizationId)))!;
        if (change.Timezone is not null
            && !await session.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = @tz)", cancellationToken, ("tz", change.Timezone)))
            return OpenAIError.BadRequest($"timezone '{change.Timezone}' is not an IANA time zone name known to the database, e.g. Europe/Paris or America/New_York.", "timezone", "invalid_value");
        string? secret = before.WebhookSecret;
        if (change.WebhookUrl is not null && secret is null)
            secret = "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        try
        {
            await session.ExecuteAsync(
                """
                UPDATE nemo.organizations SET
                    name = coalesce(@name, name),
                    slug = coalesce(@slug, slug),
                    logo_url = CASE WHEN @clear_logo THEN NULL ELSE coalesce(@logo, logo_url) END,
                    timezone = coalesce(@tz, timezone),
                    data_retention_days = coalesce(@retention, data_retention_days),
                    data_processing = coalesce(@processing, data_processing),
                    region = coalesce(@region, region),
                    invitation_expiry_days = coalesce(@invitation_days, invitation_expiry_days),
                    webhook_url = CASE WHEN @clear_webhook THEN NULL ELSE coalesce(@webhook, webhook_url) END,
                    webhook_secret = @secret,
                    models = CASE WHEN @set_models THEN @models ELSE models END,
                    content_logging = coalesce(@content_logging, content_logging)
                WHERE id = @org
                """, cancellationToken,
                ("org", caller.OrganizationId), ("name", change.Name), ("slug", change.Slug), ("clear_logo", change.ClearLogoUrl), ("logo", change.LogoUrl),
                ("tz", change.Timezone), ("retention", change.DataRetentionDays), ("processing", change.DataProcessing), ("region", change.Region),
                ("invitation_days", change.InvitationExpiryDays), ("clear_webhook", change.ClearWebhookUrl), ("webhook", change.WebhookUrl), ("secret", secret),
                ("set_models", change.SetModels), ("models", ModelListParameter.Of(change.Models)),
                ("content_logging", change.ContentLogging));
        }
        catch (PostgresException ex) when (ex.SqlState == UniqueViolation && ex.ConstraintName == "organizations_slug_key")
        {
            return OpenAIError.Conflict($"The slug '{change.Slug}' is taken by another organization; choose another.", "slug_taken");
        }
        OrganizationView after = (await session.SingleAsync(Select, Read, cancellationToken, ("org", caller.OrganizationId)))!;
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "organization.update", $"organization:{caller.OrganizationId}",
            Settings(before), Settings(after)), cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<OrganizationView>.Success(after);
    }

    /// <summary>The audited settings (never the webhook secret).</summary>
    private static object Settings(OrganizationView v) => new
    {
        v.Name, v.Slug, v.LogoUrl, v.Timezone, v.DataRetentionDays, v.DataProcessing, v.Region, v.InvitationExpiryDays, v.WebhookUrl, v.Models, v.ContentLogging,
        webhook_secret_set = v.WebhookSecret is not null,
    };

    /// <summary>The target becomes an owner and the calling owner an admin.</summary>
    public async Task<Outcome<ChangedKeys>> TransferAsync(AdminCaller caller, Guid target, CancellationToken cancellationToken)
    {
        if (target == caller.UserId)
            return OpenAIError.BadRequest("user_id is you; name the member who should become the owner.", "user_id", "invalid_value");
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        await MembershipSql.LockOrganizationAsync(session, cancellationToken);
        MemberRow? member = await MembershipSql.FindAsync(session, target, cancellationToken);
        if (member is null)
            return AdminErrors.NotFound("member", target.ToString(), "user_id");
        if (member.ParsedRole == MemberRole.Owner)
            return OpenAIError.Conflict($"The user {target} is already an owner; to step down yourself, PATCH /v1/members/{caller.UserId} with role admin.", "already_owner");
        await session.ExecuteAsync(
            """
            UPDATE nemo.memberships SET role = 'owner' WHERE organization_id = @org AND user_id = @target;
            UPDATE nemo.memberships SET role = 'admin' WHERE organization_id = @org AND user_id = @caller;
            """, cancellationToken, ("org", caller.OrganizationId), ("target", target), ("caller", caller.UserId));
        ChangedKeys theirs = await MembershipSql.KeysOfAsync(session, target, cancellationToken);
        ChangedKeys mine = await MembershipSql.KeysOfAsync(session, caller.UserId!.Value, cancellationToken);
        await session.NotifyOrganizationKeysAsync(caller.OrganizationId, cancellationToken);
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "organization.transfer", $"user:{target}",
            new { owner = caller.UserId, new_owner_role = member.Role }, new { owner = target, previous_owner_role = "admin" }), cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<ChangedKeys>.Success(new ChangedKeys([.. theirs.Ids, .. mine.Ids], [.. theirs.Hashes, .. mine.Hashes]));
    }

    /// <summary>
    /// Deletes the organization: its members are freed (they may join or create another), its keys,
    /// teams, budgets and invitations are deleted, and the row stays as a tombstone (status 'deleted')
    /// for the append-only credit ledger and the audit trail. Usage detail is purged by the retention job.
    /// </summary>
    public async Task<Outcome<bool>> DeleteAsync(AdminCaller caller, string confirm, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        OrganizationView before = (await session.SingleAsync(Select + " FOR UPDATE OF o", Read, cancellationToken, ("org", caller.OrganizationId)))!;
        if (!string.Equals(confirm, before.Slug, StringComparison.Ordinal))
            return OpenAIError.BadRequest($"confirm must be this organization's slug, '{before.Slug}', to delete it (got '{confirm}'). Deletion can't be undone.", "confirm", "invalid_value");
        DateTimeOffset now = time.GetUtcNow();
        await session.ExecuteAsync(
            """
            DELETE FROM nemo.memberships WHERE organization_id = @org;
            DELETE FROM nemo.invitations WHERE organization_id = @org;
            DELETE FROM nemo.api_keys WHERE organization_id = @org;
            DELETE FROM nemo.budgets WHERE organization_id = @org;
            DELETE FROM nemo.teams WHERE organization_id = @org;
            DELETE FROM nemo.email_outbox WHERE organization_id = @org AND sent_at IS NULL;
            DELETE FROM nemo.request_contents WHERE organization_id = @org;
            UPDATE nemo.organizations SET status = 'deleted', deleted_at = @now, slug = 'deleted-' || id::text,
                webhook_url = NULL, webhook_secret = NULL, logo_url = NULL
            WHERE id = @org;
            """, cancellationToken, ("org", caller.OrganizationId), ("now", now));
        await session.NotifyOrganizationKeysAsync(caller.OrganizationId, cancellationToken);
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "organization.delete", $"organization:{caller.OrganizationId}",
            Settings(before), new { status = "deleted", deleted_at = now, members_removed = before.MemberCount }), cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<bool>.Success(true);
    }
}
