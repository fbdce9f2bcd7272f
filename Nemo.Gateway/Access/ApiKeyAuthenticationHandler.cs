using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Keys;
using Nemo.Grains.Tenancy;
using Nemo.Persistence.Database;
using Npgsql;

namespace Nemo.Gateway.Access;

/// <summary>
/// The admin API's authentication scheme for a member's <c>sk-nemo-…</c> key. Unlike the LLM routes (which
/// read the in-memory key cache on their hot path and stay out of the authentication middleware), it reads
/// the key, its organization and its owner's membership from the database on every call, so a role change,
/// removal, revocation or deletion applies to the very next admin call on every gateway. This lookup by hash
/// is one of the few queries on the service connection: before it there is no organization to scope to.
/// Bad keys don't drive database load: a hash found unknown is answered from <see cref="NegativeKeyCache"/> for
/// a moment, and an address that keeps failing gets 429 without a lookup (<see cref="AuthFailureLimiter"/>).
/// The master key is refused here (these routes act inside an organization). A refusal is kept as an
/// <see cref="AccessFailure"/>, and the challenge writes it in OpenAI's error shape.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    NemoDatabase database,
    NegativeKeyCache unknown,
    AuthFailureLimiter failures,
    MasterKey masterKey,
    TimeProvider time) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = AccessSchemes.ApiKey;

    private const string LookupSql =
        """
        SELECT k.id, k.organization_id, m.team_id, k.user_id, m.role, k.status, k.expires_at, k.key_hash = @hash, k.previous_expires_at
        FROM nemo.api_keys k
        JOIN nemo.organizations o ON o.id = k.organization_id AND o.status = 'active'
        LEFT JOIN nemo.memberships m ON m.user_id = k.user_id AND m.organization_id = k.organization_id
        WHERE k.key_hash = @hash OR k.previous_key_hash = @hash
        """;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        try
        {
            return await LookUpAsync();
        }
        catch (Exception ex) when (DatabaseFailure.IsUnreachable(ex, Context.RequestAborted))
        {
            Logger.LogWarning(ex, "The database could not be reached to authenticate an admin API key.");
            return Refuse(OpenAIError.Unavailable("The database could not be reached and the request was not completed; retry it."));
        }
    }

    private async Task<AuthenticateResult> LookUpAsync()
    {
        if (masterKey.IsOperator(Request))
            return Refuse(OpenAIError.Forbidden("This route acts inside an organization; call it with a member's key, not the master key.", "operator_key_not_allowed"));
        if (!KeyAuthenticator.TryGetBearer(Request, out string secret))
            return Refuse(OpenAIError.Unauthorized("You didn't provide an API key. Send it as 'Authorization: Bearer sk-nemo-…'."));
        if (!ApiKeySecret.LooksValid(secret))
            return Refuse(OpenAIError.Unauthorized("Incorrect API key provided: Nemo keys start with 'sk-nemo-'."));
        if (failures.Refusal(Context) is { } refused)
            return Refuse(refused);
        KeyHash hash = ApiKeySecret.Hash(secret);
        if (unknown.Contains(hash))
            return Failed(OpenAIError.Unauthorized("Incorrect API key provided."));
        await using NpgsqlCommand command = database.DataSource.CreateCommand(LookupSql);
        command.Parameters.AddWithValue("hash", hash.ToBytes());
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(Context.RequestAborted);
        if (!await reader.ReadAsync(Context.RequestAborted))
        {
            unknown.Add(hash);
            return Failed(OpenAIError.Unauthorized("Incorrect API key provided."));
        }
        DateTimeOffset now = time.GetUtcNow();
        string status = reader.GetString(5);
        if (status != "active")
            return Failed(OpenAIError.Unauthorized(status == "revoked" ? "This API key has been revoked." : "This API key is disabled."));
        if (!reader.IsDBNull(6) && reader.GetFieldValue<DateTimeOffset>(6) <= now)
            return Failed(OpenAIError.Unauthorized($"This API key expired at {reader.GetFieldValue<DateTimeOffset>(6):O}."));
        if (!reader.GetBoolean(7) && (reader.IsDBNull(8) || reader.GetFieldValue<DateTimeOffset>(8) <= now))
            return Failed(OpenAIError.Unauthorized("This API key was rotated and its previous secret no longer works; use the new secret."));
        if (reader.IsDBNull(3) || reader.IsDBNull(4))
            return Failed(OpenAIError.Unauthorized("This API key's owner is no longer a member of its organization."));
        Guid organizationId = reader.GetGuid(1);
        ClaimsIdentity identity = AccessClaims.Member(SchemeName, organizationId, reader.GetGuid(3), reader.GetGuid(2),
            TenancyNames.ParseRole(reader.GetString(4)), reader.GetGuid(0));
        Response.Headers["x-nemo-org-id"] = organizationId.ToString();
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>A credential that names no usable key: counted against the address's failure budget.</summary>
    private AuthenticateResult Failed(OpenAIError error)
    {
        failures.RecordFailure(Context);
        return Refuse(error);
    }

    private AuthenticateResult Refuse(OpenAIError error)
    {
        AccessFailure.Set(Context, error);
        return AuthenticateResult.Fail(error.Message);
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        (AccessFailure.Of(Context) ?? OpenAIError.Unauthorized("You didn't provide an API key. Send it as 'Authorization: Bearer sk-nemo-…'.")).WriteAsync(Response);
}
