using Nemo.Gateway.Keys;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>
/// Failed authentications don't drive database load: repeating a bad key is answered from the negative
/// cache (commands counted causally through Npgsql's tracing, as in the hot-path tests), and a key-change
/// NOTIFY for that hash makes it work at once.
/// </summary>
public sealed class AuthLoadTests(AuthLoadTests.LongNegativeCache fixture) : IClassFixture<AuthLoadTests.LongNegativeCache>
{
    /// <summary>A negative cache that outlives the test and no failure limit, so only the cache bounds the load.</summary>
    public sealed class LongNegativeCache : NemoHostFixture
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Nemo:Auth:NegativeCacheTtl"] = "00:05:00",
            ["Nemo:Auth:FailuresPerAddress"] = "1000000",
        };
    }

    [Fact]
    public async Task ThreeThousandRequestsWithOneBadKey_CostOneLookup()
    {
        string bad = "sk-nemo-" + new string('B', 48);
        HttpClient client = fixture.Host.Client;
        using var recorder = new DbCommandRecorder(fixture.Database.Name);

        // Control: the first request looks the key up (and the recorder sees it); the negative cache is shared,
        // so the LLM route then answers the same hash from memory.
        Assert.Equal(401, (await client.SendAsync(HttpMethod.Get, "/v1/credits", bad)).Status);
        int control = recorder.OnRequestPath.Count();
        Assert.True(control == 1, "expected one lookup: " + string.Join(" | ", recorder.OnRequestPath.Select(c => c.Text)));
        Assert.Equal(401, (await client.SendAsync(HttpMethod.Post, "/v1/chat/completions", bad, AdminHttp.Chat())).Status);

        await Parallel.ForEachAsync(Enumerable.Range(0, 3000), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            (int status, System.Text.Json.JsonElement _, string text) = i % 2 == 0
                ? await client.SendAsync(HttpMethod.Get, "/v1/credits", bad)
                : await client.SendAsync(HttpMethod.Post, "/v1/chat/completions", bad, AdminHttp.Chat());
            Assert.True(status == 401, text);
        });

        string[] extra = [.. recorder.OnRequestPath.Skip(control).Select(c => c.Text)];
        // (Before the negative cache and shared lookups, 3,000 such requests cost about 4,300 transactions.)
        Assert.True(extra.Length == 0, $"{extra.Length} database commands for 3,000 repeated bad keys: " + string.Join(" | ", extra.Take(5)));
    }

    [Fact]
    public async Task AKeyChangeNotify_ForgetsTheUnknownHash_AtOnce()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        string secret = ApiKeySecret.Generate();
        Assert.Equal(401, (await fixture.Host.Client.SendAsync(HttpMethod.Get, "/v1/credits", secret)).Status);
        Assert.Equal(401, (await fixture.Host.Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", secret, AdminHttp.Chat())).Status);

        // The key appears (as another gateway would create it) and its hash is announced.
        KeyHash hash = ApiKeySecret.Hash(secret);
        await fixture.Database.ExecuteAsync(
            """
            INSERT INTO nemo.api_keys (id, organization_id, team_id, user_id, name, prefix, key_hash) VALUES (@id, @org, @team, @user, 'late', @prefix, @hash);
            SELECT pg_notify('nemo_keys', @hex);
            """,
            ("id", Guid.CreateVersion7()), ("org", tenant.OrganizationId), ("team", tenant.TeamId), ("user", tenant.OwnerUserId),
            ("prefix", ApiKeySecret.VisiblePrefix(secret)), ("hash", hash.ToBytes()), ("hex", hash.ToHex()));

        await Eventually.TrueAsync(async () => (await fixture.Host.Client.SendAsync(HttpMethod.Get, "/v1/credits", secret)).Status == 200,
            "the admin API to accept the new key (the 5-minute negative entry must be dropped by the NOTIFY)");
        await Eventually.TrueAsync(async () => (await fixture.Host.Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", secret, AdminHttp.Chat())).Status == 200,
            "the LLM route to accept the new key");
    }
}
