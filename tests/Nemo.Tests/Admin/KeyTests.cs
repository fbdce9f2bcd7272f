using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>
/// Keys: every change reaches the request path at once — on this gateway and on a second gateway of the
/// same cluster (its own key cache, kept fresh by NOTIFY; the grains refuse revoked and disabled keys
/// wherever the request lands).
/// </summary>
public sealed class KeyTests(KeyTests.TwoGateways cluster) : IClassFixture<KeyTests.TwoGateways>
{
    /// <summary>The usual all-in-one host (own database, fake upstream) plus a second all-in-one gateway on the same database.</summary>
    public sealed class TwoGateways : IAsyncLifetime
    {
        private readonly NemoHostFixture _first = new();
        private WebApplication? _second;

        public TestDatabase Database => _first.Database;

        public NemoTestHost Host => _first.Host;

        public HttpClient Second { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            await _first.InitializeAsync();
            _second = await NemoTestHost.StartGatewayAsync(Database.ConnectionString, Host.UpstreamUrl);
            Second = new HttpClient { BaseAddress = new Uri(_second.Urls.First()) };
        }

        public async ValueTask DisposeAsync()
        {
            Second.Dispose();
            if (_second is not null)
            {
                await _second.StopAsync();
                await _second.DisposeAsync();
            }
            await _first.DisposeAsync();
        }
    }

    private HttpClient First => cluster.Host.Client;

    private HttpClient Second => cluster.Second;

    private async Task<int> ChatAsync(HttpClient client, string key) => (await client.SendAsync(HttpMethod.Post, "/v1/chat/completions", key, AdminHttp.Chat())).Status;

    private async Task<(Guid Id, string Key)> CreateKeyAsync(HttpClient client, string bearer, object? body = null)
    {
        (int status, JsonElement created, string text) = await client.SendAsync(HttpMethod.Post, "/v1/keys", bearer, body ?? new { name = "test key" });
        Assert.True(status == 201, text);
        return (created.GetProperty("id").GetGuid(), created.GetProperty("key").GetString()!);
    }

    [Fact]
    public async Task Revoke_TheKeyFailsOnTheNextRequest_OnEveryGateway()
    {
        AdminWorld world = await AdminWorld.CreateAsync(First, cluster.Database, credits: 1m);
        (Guid id, string key) = await CreateKeyAsync(First, world.Member.Key);
        Assert.Equal(200, await ChatAsync(First, key));
        Assert.Equal(200, await ChatAsync(Second, key)); // cached on the second gateway too

        (int status, JsonElement revoked, string text) = await First.SendAsync(HttpMethod.Delete, $"/v1/keys/{id}", world.Member.Key);
        Assert.True(status == 200, text);
        Assert.Equal("revoked", revoked.GetProperty("status").GetString());

        Assert.Equal(401, await ChatAsync(First, key));
        Assert.Equal(401, await ChatAsync(Second, key));
        Assert.Equal(401, (await Second.SendAsync(HttpMethod.Get, "/v1/keys", key)).Status);
        Assert.Equal(1L, await cluster.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.audit_log WHERE action = 'key.revoke' AND target = @t", ("t", $"key:{id}")));
    }

    [Fact]
    public async Task Rotate_WithoutGrace_TheOldSecretFailsOnTheNextRequest_TheNewOneWorks_SameKeyId()
    {
        AdminWorld world = await AdminWorld.CreateAsync(First, cluster.Database, credits: 1m);
        (Guid id, string old) = await CreateKeyAsync(First, world.Member.Key);
        Assert.Equal(200, await ChatAsync(First, old));
        Assert.Equal(200, await ChatAsync(Second, old));

        (int status, JsonElement rotated, string text) = await First.SendAsync(HttpMethod.Post, $"/v1/keys/{id}/rotate", world.Member.Key);
        Assert.True(status == 200, text);
        Assert.Equal(id, rotated.GetProperty("id").GetGuid());
        string fresh = rotated.GetProperty("key").GetString()!;
        Assert.NotEqual(old, fresh);
        Assert.Equal(JsonValueKind.Null, rotated.GetProperty("previous_key_expires_at").ValueKind);

        Assert.Equal(401, await ChatAsync(First, old));
        Assert.Equal(200, await ChatAsync(First, fresh));
        Assert.Equal(200, await ChatAsync(Second, fresh));
        // The second gateway drops the old hash when the rotation's NOTIFY arrives (milliseconds).
        await Eventually.TrueAsync(async () => await ChatAsync(Second, old) == 401, "the second gateway to refuse the rotated-out secret", 5);
        Assert.Equal(4L, await cluster.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.usage_events WHERE key_id = @id", ("id", id))); // one key id, before and after
    }

    [Fact]
    public async Task Rotate_WithGrace_TheOldSecretWorksUntilTheGraceEnds_ThenFails()
    {
        AdminWorld world = await AdminWorld.CreateAsync(First, cluster.Database, credits: 1m);
        (Guid id, string old) = await CreateKeyAsync(First, world.Owner.Key);

        // A grace long enough for the three calls below on a busy machine (CI shares its cores).
        (int status, JsonElement rotated, string text) = await First.SendAsync(HttpMethod.Post, $"/v1/keys/{id}/rotate", world.Owner.Key, new { grace_period_seconds = 8 });
        Assert.True(status == 200, text);
        string fresh = rotated.GetProperty("key").GetString()!;
        DateTimeOffset graceEnds = rotated.GetProperty("previous_key_expires_at").GetDateTimeOffset();

        Assert.Equal(200, await ChatAsync(First, old));
        Assert.Equal(200, await ChatAsync(Second, old));
        Assert.Equal(200, await ChatAsync(First, fresh));
        await Eventually.TrueAsync(async () => await ChatAsync(First, old) == 401 && await ChatAsync(Second, old) == 401,
            "both gateways to refuse the old secret once the grace period ended", 30);
        Assert.True(DateTimeOffset.UtcNow >= graceEnds, "the old secret was refused before its grace period ended");
        (status, JsonElement refused, _) = await First.SendAsync(HttpMethod.Post, "/v1/chat/completions", old, AdminHttp.Chat());
        Assert.Contains("rotated", refused.Error().GetProperty("message").GetString());
        Assert.Equal(200, await ChatAsync(Second, fresh));
    }

    [Fact]
    public async Task Update_DisableAndLimits_ReachTheGrainAtOnce()
    {
        AdminWorld world = await AdminWorld.CreateAsync(First, cluster.Database, credits: 1m);
        (Guid id, string key) = await CreateKeyAsync(First, world.Member.Key);
        (int status, _, string text) = await First.SendAsync(HttpMethod.Patch, $"/v1/keys/{id}", world.Admin.Key, new { disabled = true });
        Assert.True(status == 200, text);
        Assert.Equal(401, await ChatAsync(First, key));
        Assert.Equal(401, await ChatAsync(Second, key));

        (status, JsonElement updated, text) = await First.SendAsync(HttpMethod.Patch, $"/v1/keys/{id}", world.Member.Key, new { disabled = false, limits = new { rpm = 1 }, name = "limited" });
        Assert.True(status == 200, text);
        Assert.Equal("active", updated.GetProperty("status").GetString());
        Assert.Equal(1, updated.GetProperty("rpm").GetInt64());
        Assert.Equal(200, await ChatAsync(First, key));
        Assert.Equal(429, await ChatAsync(Second, key)); // the key's one bucket lives in its grain, wherever the request lands

        (status, updated, text) = await First.SendAsync(HttpMethod.Patch, $"/v1/keys/{id}", world.Member.Key, new { rpm = (long?)null });
        Assert.True(status == 200, text);
        Assert.Equal(JsonValueKind.Null, updated.GetProperty("rpm").ValueKind);
        Assert.Equal(200, await ChatAsync(First, key));
    }

    [Fact]
    public async Task Members_ManageOnlyTheirOwnKeys_AndListsNeverShowSecrets()
    {
        AdminWorld world = await AdminWorld.CreateAsync(First, cluster.Database);
        string before = await world.FingerprintAsync(cluster.Database);
        (int status, JsonElement body, _) = await First.SendAsync(HttpMethod.Patch, $"/v1/keys/{world.Admin.KeyId}", world.Member.Key, new { disabled = true });
        Assert.Equal(403, status);
        Assert.Equal("role_forbidden", body.Code());
        Assert.Equal(before, await world.FingerprintAsync(cluster.Database));

        (status, body, _) = await First.SendAsync(HttpMethod.Get, "/v1/keys", world.Member.Key);
        Assert.Equal([world.Member.KeyId], body.GetProperty("data").EnumerateArray().Select(k => k.GetProperty("id").GetGuid()));
        (status, body, string all) = await First.SendAsync(HttpMethod.Get, "/v1/keys", world.Admin.Key);
        Assert.Equal(5, body.GetProperty("data").GetArrayLength());
        foreach (AdminWorld.Person person in new[] { world.Owner, world.SecondOwner, world.Admin, world.Member, world.Viewer })
            Assert.DoesNotContain(person.Key, all);
        Assert.DoesNotContain("key_hash", all);
    }

    [Fact]
    public async Task OrganizationKeys_AreHeldByTheDefaultTeam_AndOnlyOwnersAndAdminsCreateThem()
    {
        AdminWorld world = await AdminWorld.CreateAsync(First, cluster.Database, credits: 1m);
        (int status, JsonElement body, _) = await First.SendAsync(HttpMethod.Post, "/v1/keys", world.Member.Key, new { name = "org", scope = "organization" });
        Assert.Equal(403, status);
        (status, body, _) = await First.SendAsync(HttpMethod.Post, "/v1/keys", world.Member.Key, new { name = "other team", team_id = world.DefaultTeamId });
        Assert.Equal(403, status);
        (Guid id, string key) = await CreateKeyAsync(First, world.Admin.Key, new { name = "org", scope = "organization" });
        (status, body, _) = await First.SendAsync(HttpMethod.Get, $"/v1/keys/{id}", world.Admin.Key);
        Assert.Equal("organization", body.GetProperty("scope").GetString());
        Assert.Equal(world.DefaultTeamId, body.GetProperty("team_id").GetGuid());
        Assert.Equal(200, await ChatAsync(First, key));
    }
}
