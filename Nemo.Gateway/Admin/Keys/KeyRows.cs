using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Keys;

namespace Nemo.Gateway.Admin.Keys;

/// <summary>Inserting a key row, shared by key creation, signup and invitation acceptance.</summary>
internal static class KeyRows
{
    public const string OrganizationScope = "organization";
    public const string TeamScope = "team";

    public static async Task<IssuedKey> InsertAsync(AdminSession session, Guid organizationId, Guid teamId, Guid? userId, string name,
        string scope, DateTimeOffset? expiresAt, long? rpm, long? tpm, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string secret = ApiKeySecret.Generate();
        KeyHash hash = ApiKeySecret.Hash(secret);
        Guid id = Guid.CreateVersion7(now);
        await session.ExecuteAsync(
            """
            INSERT INTO nemo.api_keys (id, organization_id, team_id, user_id, name, prefix, key_hash, scope, rpm, tpm, expires_at, created_at, updated_at)
            VALUES (@id, @org, @team, @user, @name, @prefix, @hash, @scope, @rpm, @tpm, @expires, @now, @now)
            """, cancellationToken,
            ("id", id), ("org", organizationId), ("team", teamId), ("user", userId), ("name", name), ("prefix", ApiKeySecret.VisiblePrefix(secret)),
            ("hash", hash.ToBytes()), ("scope", scope), ("rpm", rpm), ("tpm", tpm), ("expires", expiresAt), ("now", now));
        await session.NotifyKeyAsync(hash, cancellationToken);
        return new IssuedKey(id, secret, hash, now);
    }
}
