using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Keys;
using Nemo.Grains.Tenancy;
using Npgsql;

namespace Nemo.Gateway.Admin.Keys;

/// <summary>
/// Keys, under row-level security. Owners and admins manage every key of the organization; members and
/// viewers see their own (members also create, change, rotate and revoke them). Each change NOTIFYs every
/// gateway's key cache in its transaction; the caller then refreshes the key's grain.
/// </summary>
internal sealed class KeyStore(AdminDatabase database, TimeProvider time)
{
    private const string Select =
        """
        SELECT id, name, prefix, scope, team_id, user_id, status, rpm, tpm, expires_at, created_at, updated_at, revoked_at, rotated_at,
               previous_expires_at, key_hash, previous_key_hash, models
        FROM nemo.api_keys
        """;

    private static (KeyView View, KeyHash Hash, KeyHash? Previous) Read(NpgsqlDataReader r) => (new KeyView(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetGuid(4), r.IsDBNull(5) ? null : r.GetGuid(5), r.GetString(6),
        r.IsDBNull(7) ? null : r.GetInt64(7), r.IsDBNull(8) ? null : r.GetInt64(8), Time(r, 9), r.GetFieldValue<DateTimeOffset>(10),
        r.GetFieldValue<DateTimeOffset>(11), Time(r, 12), Time(r, 13), Time(r, 14), r.IsDBNull(17) ? null : r.GetFieldValue<string[]>(17)),
        KeyHash.FromBytes(r.GetFieldValue<byte[]>(15)), r.IsDBNull(16) ? null : KeyHash.FromBytes(r.GetFieldValue<byte[]>(16)));

    private static DateTimeOffset? Time(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);

    public async Task<List<KeyView>> ListAsync(AdminCaller caller, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        bool all = caller.IsAtLeast(MemberRole.Admin);
        List<(KeyView View, KeyHash, KeyHash?)> rows = await session.ListAsync(
            Select + " WHERE organization_id = @org AND (@all OR user_id = @user) ORDER BY created_at, id", Read, cancellationToken,
            ("org", caller.OrganizationId), ("all", all), ("user", caller.UserId));
        return [.. rows.Select(r => r.View)];
    }

    /// <summary>The key if it exists in the caller's organization and the caller may act on it.</summary>
    private static async Task<Outcome<(KeyView View, KeyHash Hash, KeyHash? Previous)>> FindAsync(AdminSession session, AdminCaller caller, Guid keyId, bool forUpdate, CancellationToken cancellationToken)
    {
        var found = await session.ListAsync(Select + " WHERE organization_id = @org AND id = @id" + (forUpdate ? " FOR UPDATE" : ""), Read, cancellationToken,
            ("org", caller.OrganizationId), ("id", keyId));
        if (found.Count == 0)
            return AdminErrors.NotFound("key", keyId.ToString());
        if (found[0].View.UserId != caller.UserId && !caller.IsAtLeast(MemberRole.Admin))
            return OpenAIError.Forbidden("Members can read and manage only their own keys; ask an owner or admin to act on this one.", "role_forbidden");
        return Outcome<(KeyView, KeyHash, KeyHash?)>.Success(found[0]);
    }

    public async Task<Outcome<KeyView>> GetAsync(AdminCaller caller, Guid keyId, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        var found = await FindAsync(session, caller, keyId, false, cancellationToken);
        return found.Ok ? Outcome<KeyView>.Success(found.Value.View) : found.Error;
    }

    public async Task<Outcome<(KeyView View, IssuedKey Issued)>> CreateAsync(AdminCaller caller, NewKey key, CancellationToken cancellationToken)
    {
        if (key.OrganizationScope && !caller.IsAtLeast(MemberRole.Admin))
            return AdminErrors.RoleRequired("create organization-level keys", "owners and admins");
        if (key.TeamId is { } named && named != caller.TeamId && !caller.IsAtLeast(MemberRole.Admin))
            return OpenAIError.Forbidden("Members create keys for their own team only; leave team_id out, or ask an owner or admin.", "role_forbidden");
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        Guid team;
        if (key.OrganizationScope)
            team = await session.ScalarAsync<Guid>("SELECT id FROM nemo.teams WHERE organization_id = @org AND is_default", cancellationToken, ("org", caller.OrganizationId));
        else if (key.TeamId is { } teamId)
        {
            if (!await session.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM nemo.teams WHERE organization_id = @org AND id = @id)", cancellationToken,
                    ("org", caller.OrganizationId), ("id", teamId)))
                return AdminErrors.NotFound("team", teamId.ToString(), "team_id");
            team = teamId;
        }
        else
            team = caller.TeamId;
        DateTimeOffset now = time.GetUtcNow();
        IssuedKey issued = await KeyRows.InsertAsync(session, caller.OrganizationId, team, caller.UserId, key.Name,
            key.OrganizationScope ? KeyRows.OrganizationScope : KeyRows.TeamScope, key.ExpiresAt, key.Rpm, key.Tpm, now, cancellationToken);
        KeyView view = (await FindAsync(session, caller, issued.Id, false, cancellationToken)).Value.View;
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "key.create", $"key:{issued.Id}", null,
            new { view.Name, view.Scope, view.TeamId, view.ExpiresAt, view.Rpm, view.Tpm, view.Prefix }), cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<(KeyView, IssuedKey)>.Success((view, issued));
    }

    public async Task<Outcome<(KeyView View, KeyHash[] Hashes)>> UpdateAsync(AdminCaller caller, Guid keyId, KeyChange change, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        var found = await FindAsync(session, caller, keyId, true, cancellationToken);
        if (!found.Ok)
            return found.Error;
        KeyView before = found.Value.View;
        if (before.Status == "revoked")
            return Revoked(keyId);
        if (change is { SetModels: true, Models: { } models } && !caller.IsAtLeast(MemberRole.Admin))
        {
            // A member narrows their own key within the team's list; owners and admins set any list
            // (the effective list is the intersection either way).
            string[]? teamModels = await session.ScalarAsync<string[]?>("SELECT models FROM nemo.teams WHERE organization_id = @org AND id = @team",
                cancellationToken, ("org", caller.OrganizationId), ("team", before.TeamId));
            if (teamModels is not null && models.FirstOrDefault(m => !teamModels.Contains(m, StringComparer.Ordinal)) is { } outside)
                return OpenAIError.Forbidden($"The model '{outside}' is outside your team's model list; members may only choose among the team's models.", "model_not_allowed");
        }
        await session.ExecuteAsync(
            """
            UPDATE nemo.api_keys SET name = coalesce(@name, name),
                status = CASE WHEN @disabled IS NULL THEN status WHEN @disabled THEN 'disabled' ELSE 'active' END,
                rpm = CASE WHEN @set_rpm THEN @rpm ELSE rpm END, tpm = CASE WHEN @set_tpm THEN @tpm ELSE tpm END,
                expires_at = CASE WHEN @set_expires THEN @expires ELSE expires_at END,
                models = CASE WHEN @set_models THEN @models ELSE models END, updated_at = @now
            WHERE organization_id = @org AND id = @id
            """, cancellationToken,
            ("org", caller.OrganizationId), ("id", keyId), ("name", change.Name), ("disabled", NpgsqlParameterOf(change.Disabled)),
            ("set_rpm", change.SetRpm), ("rpm", change.Rpm), ("set_tpm", change.SetTpm), ("tpm", change.Tpm),
            ("set_expires", change.SetExpiresAt), ("expires", NpgsqlTimestamp(change.ExpiresAt)), ("now", time.GetUtcNow()),
            ("set_models", change.SetModels), ("models", ModelListParameter.Of(change.Models)));
        KeyView after = (await FindAsync(session, caller, keyId, false, cancellationToken)).Value.View;
        KeyHash[] hashes = Hashes(found.Value.Hash, found.Value.Previous);
        foreach (KeyHash hash in hashes)
            await session.NotifyKeyAsync(hash, cancellationToken);
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "key.update", $"key:{keyId}",
            new { before.Name, before.Status, before.Rpm, before.Tpm, before.ExpiresAt, before.Models }, new { after.Name, after.Status, after.Rpm, after.Tpm, after.ExpiresAt, after.Models }), cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<(KeyView, KeyHash[])>.Success((after, hashes));
    }

    /// <summary>Revokes a key for good (idempotent: revoking a revoked key changes nothing).</summary>
    public async Task<Outcome<(KeyView View, KeyHash[] Hashes)>> RevokeAsync(AdminCaller caller, Guid keyId, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        var found = await FindAsync(session, caller, keyId, true, cancellationToken);
        if (!found.Ok)
            return found.Error;
        KeyHash[] hashes = Hashes(found.Value.Hash, found.Value.Previous);
        if (found.Value.View.Status == "revoked")
            return Outcome<(KeyView, KeyHash[])>.Success((found.Value.View, hashes));
        DateTimeOffset now = time.GetUtcNow();
        await session.ExecuteAsync(
            "UPDATE nemo.api_keys SET status = 'revoked', revoked_at = @now, updated_at = @now, previous_key_hash = NULL, previous_expires_at = NULL WHERE organization_id = @org AND id = @id",
            cancellationToken, ("org", caller.OrganizationId), ("id", keyId), ("now", now));
        foreach (KeyHash hash in hashes)
            await session.NotifyKeyAsync(hash, cancellationToken);
        KeyView after = (await FindAsync(session, caller, keyId, false, cancellationToken)).Value.View;
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "key.revoke", $"key:{keyId}",
            new { found.Value.View.Status }, new { after.Status, after.RevokedAt }), cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<(KeyView, KeyHash[])>.Success((after, hashes));
    }

    /// <summary>
    /// A new secret for the same key id. With a grace period the previous secret keeps working until it
    /// ends (the cache holds both hashes); without one it stops at once.
    /// </summary>
    public async Task<Outcome<(KeyView View, IssuedKey Issued, KeyHash[] Hashes)>> RotateAsync(AdminCaller caller, Guid keyId, TimeSpan grace, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        var found = await FindAsync(session, caller, keyId, true, cancellationToken);
        if (!found.Ok)
            return found.Error;
        if (found.Value.View.Status == "revoked")
            return Revoked(keyId);
        DateTimeOffset now = time.GetUtcNow();
        string secret = ApiKeySecret.Generate();
        KeyHash hash = ApiKeySecret.Hash(secret);
        await session.ExecuteAsync(
            """
            UPDATE nemo.api_keys SET key_hash = @hash, prefix = @prefix, rotated_at = @now, updated_at = @now,
                previous_key_hash = CASE WHEN @grace THEN key_hash END, previous_expires_at = CASE WHEN @grace THEN @grace_ends::timestamptz END
            WHERE organization_id = @org AND id = @id
            """, cancellationToken,
            ("org", caller.OrganizationId), ("id", keyId), ("hash", hash.ToBytes()), ("prefix", ApiKeySecret.VisiblePrefix(secret)), ("now", now),
            ("grace", grace > TimeSpan.Zero), ("grace_ends", now + grace));
        KeyHash[] hashes = [hash, .. Hashes(found.Value.Hash, found.Value.Previous)];
        foreach (KeyHash changed in hashes)
            await session.NotifyKeyAsync(changed, cancellationToken);
        KeyView after = (await FindAsync(session, caller, keyId, false, cancellationToken)).Value.View;
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "key.rotate", $"key:{keyId}",
            new { prefix = found.Value.View.Prefix }, new { after.Prefix, grace_period_seconds = (long)grace.TotalSeconds, after.PreviousKeyExpiresAt }), cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<(KeyView, IssuedKey, KeyHash[])>.Success((after, new IssuedKey(keyId, secret, hash, after.CreatedAt), hashes));
    }

    private static KeyHash[] Hashes(KeyHash current, KeyHash? previous) => previous is { } p ? [current, p] : [current];

    private static NpgsqlParameter NpgsqlParameterOf(bool? value) => new() { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Boolean, Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter NpgsqlTimestamp(DateTimeOffset? value) => new() { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz, Value = (object?)value ?? DBNull.Value };

    private static OpenAIError Revoked(Guid keyId) =>
        OpenAIError.Conflict($"The key {keyId} is revoked and can't be changed or rotated; create a new key.", "key_revoked");
}
