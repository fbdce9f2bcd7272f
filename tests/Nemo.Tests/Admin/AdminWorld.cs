using System.Text;
using System.Text.Json;
using Nemo.Gateway.Keys;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>
/// An organization with one member of every role, made for one test: created through the operator API
/// (organization, Default team, owner and owner key), then the other members, a second team, a pending
/// invitation and a team budget inserted in one SQL batch (the invitation and accept flows have their own
/// tests). Every member has one key; secrets and the invitation token are known to the test.
/// </summary>
public sealed class AdminWorld
{
    public required Tenant Tenant { get; init; }

    public required string Slug { get; init; }

    public Guid OrganizationId => Tenant.OrganizationId;

    public Guid DefaultTeamId => Tenant.TeamId;

    public required Guid TeamId { get; init; }

    public required Person Owner { get; init; }

    public required Person SecondOwner { get; init; }

    public required Person Admin { get; init; }

    public required Person Member { get; init; }

    public required Person Viewer { get; init; }

    public required Guid InvitationId { get; init; }

    public required string InvitationToken { get; init; }

    public required string InvitationEmail { get; init; }

    /// <summary>A request whose text the organization kept (a nemo.request_contents row).</summary>
    public required Guid ContentRequestId { get; init; }

    /// <summary>A disabled guardrail, a prompt template (version 1, label production) and a stopped experiment on it (none affects requests).</summary>
    public required Guid GuardrailId { get; init; }

    public required Guid PromptId { get; init; }

    public required Guid ExperimentId { get; init; }

    public sealed record Person(Guid UserId, string Email, string Role, Guid KeyId, string Key);

    public static async Task<AdminWorld> CreateAsync(HttpClient client, TestDatabase database, decimal credits = 0m)
    {
        Tenant tenant = await Tenant.CreateAsync(client, credits: credits);
        Guid ownerKey = await tenant.KeyIdAsync(database);
        string suffix = Guid.NewGuid().ToString("N")[..12];
        Guid team = Guid.CreateVersion7();
        var sql = new StringBuilder();
        var parameters = new List<(string, object)> { ("org", tenant.OrganizationId), ("team", team), ("default", tenant.TeamId) };
        sql.Append("INSERT INTO nemo.teams (id, organization_id, name) VALUES (@team, @org, 'Research');");
        Person Add(string role, Guid teamId)
        {
            int n = parameters.Count;
            var member = new Person(Guid.CreateVersion7(), $"{role}-{suffix}-{n}@example.com", role, Guid.CreateVersion7(), ApiKeySecret.Generate());
            sql.Append($"INSERT INTO nemo.users (id, email) VALUES (@u{n}, @e{n});");
            sql.Append($"INSERT INTO nemo.memberships (user_id, organization_id, team_id, role) VALUES (@u{n}, @org, @t{n}, '{role}');");
            sql.Append($"INSERT INTO nemo.api_keys (id, organization_id, team_id, user_id, name, prefix, key_hash) VALUES (@k{n}, @org, @t{n}, @u{n}, '{role} key', @p{n}, @h{n});");
            parameters.AddRange([($"u{n}", member.UserId), ($"e{n}", member.Email), ($"t{n}", teamId), ($"k{n}", member.KeyId),
                ($"p{n}", ApiKeySecret.VisiblePrefix(member.Key)), ($"h{n}", ApiKeySecret.Hash(member.Key).ToBytes())]);
            return member;
        }
        Person secondOwner = Add("owner", tenant.TeamId);
        Person admin = Add("admin", tenant.TeamId);
        Person member = Add("member", team);
        Person viewer = Add("viewer", team);
        Guid invitation = Guid.CreateVersion7();
        string token = Nemo.Gateway.Admin.Invitations.InvitationToken.Generate();
        string invitee = $"invitee-{suffix}@example.com";
        sql.Append("""
            INSERT INTO nemo.invitations (id, organization_id, email, role, team_id, token_hash, invited_by, expires_at)
            VALUES (@inv, @org, @invitee, 'member', @team, @token, 'test', now() + interval '7 days');
            INSERT INTO nemo.budgets (organization_id, scope, scope_id, limit_nanos, period, anchor) VALUES (@org, 'team', @team_text, 5000000000, 'monthly', current_date);
            INSERT INTO nemo.provider_credentials (organization_id, provider, secret_protected, created_at, updated_at)
            VALUES (@org, 'fake', 'not-a-protected-value (seeded: the cache skips it)', now(), now());
            INSERT INTO nemo.request_contents (request_id, organization_id, recorded_at, request, response, request_truncated, response_truncated)
            VALUES (@content, @org, now(), '{"model":"gpt-4o-mini"}', '{"choices":[]}', false, false);
            """);
        Guid content = Guid.CreateVersion7();
        parameters.AddRange([("content", content), ("inv", invitation), ("invitee", invitee), ("token", Nemo.Gateway.Admin.Invitations.InvitationToken.Hash(token)), ("team_text", team.ToString())]);
        Guid guardrail = Guid.CreateVersion7(), prompt = Guid.CreateVersion7(), experiment = Guid.CreateVersion7();
        sql.Append("""
            INSERT INTO nemo.guardrails (id, organization_id, name, kind, action, applies_to, config, enabled) VALUES (@guardrail, @org, 'pii', 'pii', 'flag', 'input', '{}', false);
            INSERT INTO nemo.prompts (id, organization_id, name) VALUES (@prompt, @org, 'greeting');
            INSERT INTO nemo.prompt_versions (prompt_id, organization_id, version, template, variables, created_by) VALUES (@prompt, @org, 1, '"Hello {{name}}"', '{name}', 'test');
            INSERT INTO nemo.prompt_labels (prompt_id, organization_id, label, version) VALUES (@prompt, @org, 'production', 1);
            INSERT INTO nemo.experiments (id, organization_id, name, match_prompt_id, variants)
            VALUES (@experiment, @org, 'wording', @prompt, '[{"name":"a","weight":1},{"name":"b","weight":1}]');
            """);
        parameters.AddRange([("guardrail", guardrail), ("prompt", prompt), ("experiment", experiment)]);
        await database.ExecuteAsync(sql.ToString(), [.. parameters]);
        string slug = await database.ScalarAsync<string>("SELECT slug FROM nemo.organizations WHERE id = @org", ("org", tenant.OrganizationId));
        Guid ownerUser = tenant.OwnerUserId;
        string ownerEmail = await database.ScalarAsync<string>("SELECT email FROM nemo.users WHERE id = @id", ("id", ownerUser));
        return new AdminWorld
        {
            Tenant = tenant, Slug = slug, TeamId = team,
            Owner = new Person(ownerUser, ownerEmail, "owner", ownerKey, tenant.ApiKey),
            SecondOwner = secondOwner, Admin = admin, Member = member, Viewer = viewer,
            InvitationId = invitation, InvitationToken = token, InvitationEmail = invitee, ContentRequestId = content,
            GuardrailId = guardrail, PromptId = prompt, ExperimentId = experiment,
        };
    }

    /// <summary>
    /// A digest of everything of this organization that admin routes can change, to assert "nothing changed".
    /// </summary>
    public Task<string> FingerprintAsync(TestDatabase database) => Fingerprint.OfAsync(database, OrganizationId);
}
