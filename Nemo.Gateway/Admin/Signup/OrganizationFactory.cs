using System.Security.Cryptography;
using System.Text;
using Nemo.Gateway.Admin.Keys;
using Nemo.Gateway.Admin.Storage;
using Npgsql;

namespace Nemo.Gateway.Admin.Signup;

/// <summary>
/// Creates an organization in one transaction: the user (new, or existing without an organization),
/// the organization (an individual one until a second member is invited), its Default team, the owner's
/// membership, the owner's first key and the audit entry. Runs on the service connection: there is no
/// organization to scope to until it exists.
/// </summary>
internal sealed class OrganizationFactory(AdminDatabase database, TimeProvider time)
{
    private const string UniqueViolation = "23505";

    /// <summary>Null when the user already belongs to an organization (one organization per user).</summary>
    public async Task<CreatedOrganization?> CreateAsync(string name, string ownerEmail, string plan, string actor, string? ip, CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        await using AdminSession session = await database.ServiceAsync(cancellationToken);
        await session.ExecuteAsync("INSERT INTO nemo.users (id, email) VALUES (@id, @email) ON CONFLICT (lower(email)) DO NOTHING", cancellationToken,
            ("id", Guid.CreateVersion7(now)), ("email", ownerEmail));
        Guid userId = await session.ScalarAsync<Guid>("SELECT id FROM nemo.users WHERE lower(email) = lower(@email) FOR UPDATE", cancellationToken, ("email", ownerEmail));
        if (await session.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM nemo.memberships WHERE user_id = @user)", cancellationToken, ("user", userId)))
            return null;
        Guid organizationId = Guid.CreateVersion7(now);
        Guid teamId = Guid.CreateVersion7(now);
        try
        {
            await session.ExecuteAsync(
                """
                INSERT INTO nemo.organizations (id, name, slug, plan, billing_anchor, created_at) VALUES (@org, @name, @slug, @plan, @today, @now);
                INSERT INTO nemo.teams (id, organization_id, name, is_default, created_at) VALUES (@team, @org, 'Default', true, @now);
                INSERT INTO nemo.memberships (user_id, organization_id, team_id, role, created_at) VALUES (@user, @org, @team, 'owner', @now);
                """, cancellationToken,
                ("org", organizationId), ("name", name), ("slug", Slug(name)), ("plan", plan), ("today", DateOnly.FromDateTime(now.UtcDateTime)),
                ("now", now), ("team", teamId), ("user", userId));
        }
        catch (PostgresException ex) when (ex.SqlState == UniqueViolation && ex.ConstraintName == "memberships_pkey")
        {
            return null; // joined an organization concurrently
        }
        IssuedKey key = await KeyRows.InsertAsync(session, organizationId, teamId, userId, "Default key", KeyRows.TeamScope, null, null, null, now, cancellationToken);
        await session.AuditAsync(new AuditEntry(organizationId, actor, ip, "organization.create", $"organization:{organizationId}", null,
            new { name, owner_email = ownerEmail, plan, team_id = teamId, owner_user_id = userId, key_id = key.Id }), cancellationToken);
        await session.CommitAsync(cancellationToken);
        return new CreatedOrganization(organizationId, userId, teamId, key);
    }

    /// <summary>A URL-friendly stem of the name plus a random suffix, so two organizations of the same name never collide.</summary>
    public static string Slug(string name)
    {
        var slug = new StringBuilder();
        foreach (char c in name.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
                slug.Append(c);
            else if (slug.Length > 0 && slug[^1] != '-')
                slug.Append('-');
            if (slug.Length >= 40)
                break;
        }
        string stem = slug.ToString().Trim('-');
        return (stem.Length == 0 ? "org" : stem) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    }
}
