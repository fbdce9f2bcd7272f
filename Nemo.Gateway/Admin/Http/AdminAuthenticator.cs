using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Keys;
using Nemo.Persistence.Database;
using Npgsql;

namespace Nemo.Gateway.Admin.Http;

/// <summary>
/// Resolves the admin API's caller: the operator's master key, or a member's virtual key. Unlike the
/// LLM routes (which read the in-memory key cache), the admin API reads the key, its organization and
/// its owner's membership from the database on every call, so a role change, removal, revocation or
/// deletion applies to the very next admin call on every gateway. This lookup by hash is one of the
/// few queries on the service connection: before it, there is no organization to scope to. Bad keys
/// don't drive database load: a hash found unknown is answered from <see cref="NegativeKeyCache"/> for a
/// moment, and an address that keeps failing gets 429 without a lookup (<see cref="AuthFailureLimiter"/>).
/// </summary>
internal sealed class AdminAuthenticator(NemoDatabase database, NegativeKeyCache unknown, AuthFailureLimiter failures, TimeProvider time, IConfiguration configuration)
{
    private const string LookupSql =
        """
        SELECT k.id, k.organization_id, m.team_id, k.user_id, m.role, k.status, k.expires_at, k.key_hash = @hash, k.previous_expires_at
        FROM nemo.api_keys k
        JOIN nemo.organizations o ON o.id = k.organization_id AND o.status = 'active'
        LEFT JOIN nemo.memberships m ON m.user_id = k.user_id AND m.organization_id = k.organization_id
        WHERE k.key_hash = @hash OR k.previous_key_hash = @hash
        """;

    private readonly byte[] _masterKey = Encoding.UTF8.GetBytes(configuration["NEMO_MASTER_KEY"] ?? "");

    public bool IsOperator(HttpRequest request) =>
        _masterKey.Length > 0 && KeyAuthenticator.TryGetBearer(request, out string secret)
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), _masterKey);

    public static string? IpOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString();

    /// <summary>A member's key (the master key is refused: these routes act inside an organization).</summary>
    public async ValueTask<(AdminCaller? Caller, OpenAIError Error)> AuthenticateMemberAsync(HttpContext context)
    {
        if (IsOperator(context.Request))
            return (null, OpenAIError.Forbidden("This route acts inside an organization; call it with a member's key, not the master key.", "operator_key_not_allowed"));
        if (!KeyAuthenticator.TryGetBearer(context.Request, out string secret))
            return (null, OpenAIError.Unauthorized("You didn't provide an API key. Send it as 'Authorization: Bearer sk-nemo-…'."));
        if (!ApiKeySecret.LooksValid(secret))
            return (null, OpenAIError.Unauthorized("Incorrect API key provided: Nemo keys start with 'sk-nemo-'."));
        if (failures.Refusal(context) is { } refused)
            return (null, refused);
        KeyHash hash = ApiKeySecret.Hash(secret);
        if (unknown.Contains(hash))
            return Failed(context, OpenAIError.Unauthorized("Incorrect API key provided."));
        await using NpgsqlCommand command = database.DataSource.CreateCommand(LookupSql);
        command.Parameters.AddWithValue("hash", hash.ToBytes());
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(context.RequestAborted);
        if (!await reader.ReadAsync(context.RequestAborted))
        {
            unknown.Add(hash);
            return Failed(context, OpenAIError.Unauthorized("Incorrect API key provided."));
        }
        DateTimeOffset now = time.GetUtcNow();
        string status = reader.GetString(5);
        if (status != "active")
            return Failed(context, OpenAIError.Unauthorized(status == "revoked" ? "This API key has been revoked." : "This API key is disabled."));
        if (!reader.IsDBNull(6) && reader.GetFieldValue<DateTimeOffset>(6) <= now)
            return Failed(context, OpenAIError.Unauthorized($"This API key expired at {reader.GetFieldValue<DateTimeOffset>(6):O}."));
        if (!reader.GetBoolean(7) && (reader.IsDBNull(8) || reader.GetFieldValue<DateTimeOffset>(8) <= now))
            return Failed(context, OpenAIError.Unauthorized("This API key was rotated and its previous secret no longer works; use the new secret."));
        if (reader.IsDBNull(3) || reader.IsDBNull(4))
            return Failed(context, OpenAIError.Unauthorized("This API key's owner is no longer a member of its organization."));
        var caller = new AdminCaller(false, reader.GetGuid(1), reader.GetGuid(3), reader.GetGuid(2),
            TenancyNames.ParseRole(reader.GetString(4)), reader.GetGuid(0), IpOf(context));
        context.Response.Headers["x-nemo-org-id"] = caller.OrganizationId.ToString();
        return (caller, default);
    }

    private (AdminCaller? Caller, OpenAIError Error) Failed(HttpContext context, OpenAIError error)
    {
        failures.RecordFailure(context);
        return (null, error);
    }
}
