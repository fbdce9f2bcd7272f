using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Admin.Storage;
using Nemo.Grains.Tenancy;
using Nemo.Persistence.Database;

namespace Nemo.Gateway.Dashboard.Accounts;

/// <summary>
/// People's sign-in (<c>nemo.accounts</c>, migration 0009): passwords hashed with ASP.NET Core Identity's
/// <see cref="PasswordHasher{TUser}"/> (PBKDF2, versioned format, rehashed when the format moves on),
/// lockout after <see cref="AccountOptions.MaxFailedAttempts"/> failures in a row, and one-time reset
/// tokens sent through the email outbox. An account is created only when a token sent to its address
/// is redeemed (signup verification, invitation, password reset), so the email is proven before the
/// account holds it. Everything runs on the service connection: there is no organization before sign-in.
/// Identity's UserManager/EF stores are not used: Nemo's users live in its own schema with Npgsql, and
/// this is the small part of Identity the console needs (decision 0016).
/// </summary>
internal sealed class AccountStore(AdminDatabase database, TimeProvider time, IOptions<AccountOptions> options)
{
    private const string ResetPurpose = "password_reset";

    private readonly PasswordHasher<AccountUser> _hasher = new();

    /// <summary>A hash that no password matches, checked when the email is unknown so both paths cost the same.</summary>
    private readonly string _decoyHash = new PasswordHasher<AccountUser>().HashPassword(new AccountUser(Guid.Empty), Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));

    public string? PasswordProblem(string? password)
    {
        int min = options.Value.MinPasswordLength;
        if (string.IsNullOrEmpty(password) || password.Length < min)
            return $"Choose a password of at least {min} characters.";
        if (password.Length > AccountOptions.MaxPasswordLength)
            return $"A password can be at most {AccountOptions.MaxPasswordLength} characters.";
        return null;
    }

    public async Task<SignInOutcome> PasswordSignInAsync(string email, string password, CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        await using AdminSession session = await database.ServiceAsync(cancellationToken);
        var row = await session.SingleAsync(
            """
            SELECT a.user_id, a.password_hash, a.security_stamp, a.failed_attempts, a.locked_until
            FROM nemo.accounts a JOIN nemo.users u ON u.id = a.user_id
            WHERE lower(u.email) = lower(@email) FOR UPDATE OF a
            """,
            r => new Tuple<Guid, string?, Guid, int, DateTimeOffset?>(r.GetGuid(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetGuid(2), r.GetInt32(3),
                r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4)),
            cancellationToken, ("email", email));
        if (row is null || row.Item2 is null)
        {
            _hasher.VerifyHashedPassword(new AccountUser(Guid.Empty), _decoyHash, password);
            return SignInOutcome.Failed;
        }
        (Guid userId, string hash, Guid stamp, int failures, DateTimeOffset? lockedUntil) = (row.Item1, row.Item2, row.Item3, row.Item4, row.Item5);
        if (lockedUntil is { } until && until > now)
            return SignInOutcome.Locked;
        PasswordVerificationResult result = _hasher.VerifyHashedPassword(new AccountUser(userId), hash, password);
        if (result == PasswordVerificationResult.Failed)
        {
            int next = (lockedUntil is not null ? 0 : failures) + 1;
            bool lockNow = next >= options.Value.MaxFailedAttempts;
            await session.ExecuteAsync("UPDATE nemo.accounts SET failed_attempts = @n, locked_until = @until, updated_at = @now WHERE user_id = @user", cancellationToken,
                ("n", lockNow ? 0 : next), ("until", lockNow ? now + options.Value.LockoutDuration : null), ("now", now), ("user", userId));
            await session.CommitAsync(cancellationToken);
            return lockNow ? SignInOutcome.Locked : SignInOutcome.Failed;
        }
        string? rehash = result == PasswordVerificationResult.SuccessRehashNeeded ? _hasher.HashPassword(new AccountUser(userId), password) : null;
        await session.ExecuteAsync(
            "UPDATE nemo.accounts SET failed_attempts = 0, locked_until = NULL, password_hash = coalesce(@rehash, password_hash), updated_at = @now WHERE user_id = @user",
            cancellationToken, ("rehash", rehash), ("now", now), ("user", userId));
        await session.CommitAsync(cancellationToken);
        return new SignInOutcome(userId, stamp, false);
    }

    /// <summary>
    /// Sets the password of the user with this email (whose address was just proven by a token), creating
    /// the account if needed; a new security stamp ends the user's other sessions. Null when no such user.
    /// </summary>
    public async Task<SignInOutcome?> SetPasswordAsync(string email, string password, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.ServiceAsync(cancellationToken);
        Guid? userId = await session.ScalarAsync<Guid?>("SELECT id FROM nemo.users WHERE lower(email) = lower(@email)", cancellationToken, ("email", email));
        if (userId is not { } user)
            return null;
        Guid stamp = await SetPasswordAsync(session, user, password, cancellationToken);
        await session.CommitAsync(cancellationToken);
        return new SignInOutcome(user, stamp, false);
    }

    /// <summary>Whether the user already has a password (an invitation accepted by an existing account asks for it).</summary>
    public async Task<bool> HasPasswordAsync(string email, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.ServiceAsync(cancellationToken);
        return await session.ScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM nemo.accounts a JOIN nemo.users u ON u.id = a.user_id WHERE lower(u.email) = lower(@email) AND a.password_hash IS NOT NULL)",
            cancellationToken, ("email", email));
    }

    /// <summary>
    /// Queues a reset link for the address when it is a known user (the answer to the browser is the same
    /// either way). The token is stored hashed and works once.
    /// </summary>
    public async Task RequestResetAsync(string email, string consoleUrl, CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        await using AdminSession session = await database.ServiceAsync(cancellationToken);
        var user = await session.SingleAsync(
            "SELECT u.id, (SELECT m.organization_id FROM nemo.memberships m WHERE m.user_id = u.id LIMIT 1) FROM nemo.users u WHERE lower(u.email) = lower(@email)",
            r => new Tuple<Guid, Guid?>(r.GetGuid(0), r.IsDBNull(1) ? null : r.GetGuid(1)), cancellationToken, ("email", email));
        if (user is null)
            return;
        string token = NewToken();
        DateTimeOffset expires = now + options.Value.ResetTokenLifetime;
        await session.ExecuteAsync(
            "INSERT INTO nemo.account_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES (@hash, @user, @purpose, @now, @expires)",
            cancellationToken, ("hash", Hash(token)), ("user", user.Item1), ("purpose", ResetPurpose), ("now", now), ("expires", expires));
        string body =
            "Someone (hopefully you) asked to reset the password of your Nemo account.\n\n" +
            $"Choose a new password: {consoleUrl.TrimEnd('/')}/password/reset?token={Uri.EscapeDataString(token)}\n\n" +
            $"The link works once, until {expires.UtcDateTime:yyyy-MM-dd HH:mm} UTC. If it wasn't you, ignore this email: nothing was changed.\n";
        await session.ExecuteAsync(
            "INSERT INTO nemo.email_outbox (organization_id, to_address, subject, body, created_at, next_attempt_at) VALUES (@org, @to, @subject, @body, @now, @now)",
            cancellationToken, ("org", user.Item2 ?? Guid.Empty), ("to", email), ("subject", "Reset your Nemo password"), ("body", body), ("now", now));
        await session.CommitAsync(cancellationToken);
    }

    /// <summary>Redeems a reset token: sets the password (creating the account: the token proved the address), clears any lockout. Null when the token is not valid.</summary>
    public async Task<SignInOutcome?> ResetAsync(string token, string password, CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        await using AdminSession session = await database.ServiceAsync(cancellationToken);
        Guid? userId = await session.ScalarAsync<Guid?>(
            """
            UPDATE nemo.account_tokens SET used_at = @now
            WHERE token_hash = @hash AND purpose = @purpose AND used_at IS NULL AND expires_at > @now
            RETURNING user_id
            """, cancellationToken, ("hash", Hash(token)), ("purpose", ResetPurpose), ("now", now));
        if (userId is not { } user)
            return null;
        Guid stamp = await SetPasswordAsync(session, user, password, cancellationToken);
        await session.CommitAsync(cancellationToken);
        return new SignInOutcome(user, stamp, false);
    }

    /// <summary>The person behind a session cookie, if the stamp still matches and they still belong to an active organization.</summary>
    public async Task<ConsoleMember?> FindMemberAsync(Guid userId, Guid stamp, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.ServiceAsync(cancellationToken);
        return await session.SingleAsync(
            """
            SELECT u.id, u.email, a.security_stamp, m.organization_id, o.name, m.team_id, m.role
            FROM nemo.accounts a
            JOIN nemo.users u ON u.id = a.user_id
            JOIN nemo.memberships m ON m.user_id = a.user_id
            JOIN nemo.organizations o ON o.id = m.organization_id AND o.status = 'active'
            WHERE a.user_id = @user AND a.security_stamp = @stamp
            """,
            r => new ConsoleMember(r.GetGuid(0), r.GetString(1), r.GetGuid(2), r.GetGuid(3), r.GetString(4), r.GetGuid(5), TenancyNames.ParseRole(r.GetString(6))),
            cancellationToken, ("user", userId), ("stamp", stamp));
    }

    /// <summary>An account found by the verified email an OIDC provider vouched for (accounts are created by invitation or signup, never by OIDC alone).</summary>
    public async Task<SignInOutcome> FindByVerifiedEmailAsync(string email, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.ServiceAsync(cancellationToken);
        var row = await session.SingleAsync(
            "SELECT a.user_id, a.security_stamp FROM nemo.accounts a JOIN nemo.users u ON u.id = a.user_id WHERE lower(u.email) = lower(@email)",
            r => new Tuple<Guid, Guid>(r.GetGuid(0), r.GetGuid(1)), cancellationToken, ("email", email));
        return row is null ? SignInOutcome.Failed : new SignInOutcome(row.Item1, row.Item2, false);
    }

    private async Task<Guid> SetPasswordAsync(AdminSession session, Guid userId, string password, CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        Guid stamp = Guid.NewGuid();
        await session.ExecuteAsync(
            """
            INSERT INTO nemo.accounts (user_id, password_hash, security_stamp, email_verified_at, created_at, updated_at)
            VALUES (@user, @hash, @stamp, @now, @now, @now)
            ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, security_stamp = excluded.security_stamp,
                failed_attempts = 0, locked_until = NULL, updated_at = excluded.updated_at
            """, cancellationToken, ("user", userId), ("hash", _hasher.HashPassword(new AccountUser(userId), password)), ("stamp", stamp), ("now", now));
        return stamp;
    }

    private static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
