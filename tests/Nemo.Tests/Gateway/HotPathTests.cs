using Nemo.Grains.Spend;
using Nemo.Runtime.Client;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Gateway;

/// <summary>Invariant 6: the request path makes no database round trip per request; only the settle's group-committed ledger write.</summary>
public sealed class HotPathTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    /// <summary>Statements the background services run on their own timers (leases, routing, key cache).</summary>
    private static bool IsBackground(string sql) =>
        sql.Contains("partition_leases", StringComparison.Ordinal) && !sql.Contains("usage_events", StringComparison.Ordinal)
        || sql.Contains("nemo.silos", StringComparison.Ordinal)
        || sql.Contains("FROM nemo.api_keys k", StringComparison.Ordinal) && !sql.Contains("WHERE k.key_hash", StringComparison.Ordinal);

    [Fact]
    public async Task Authorize_WarmPath_MakesNoDatabaseCall()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 10m);
        Guid keyId = await tenant.KeyIdAsync(fixture.Database);
        ClusterClient cluster = fixture.Host.Get<ClusterClient>();
        AuthorizeRequest Request() => new(Guid.CreateVersion7(), tenant.OrganizationId, tenant.TeamId, keyId, "customer-a", "gpt-4o-mini", 1_000, 10);
        AuthorizeRequest warm = Request();
        Assert.True((await cluster.AuthorizeAsync(warm, CancellationToken.None)).Admitted); // activates the grains (loads from the database)

        using var recorder = new DbCommandRecorder(fixture.Database.Name);
        for (int i = 0; i < 200; i++)
        {
            AuthorizeRequest request = Request();
            Assert.True((await cluster.AuthorizeAsync(request, CancellationToken.None)).Admitted);
            await cluster.ReleaseAsync(new ReleaseRequest(request.RequestId, request.OrganizationId, request.TeamId, request.KeyId, request.CustomerId), CancellationToken.None);
        }

        string[] perRequest = recorder.Commands.Where(c => !IsBackground(c)).ToArray();
        Assert.True(perRequest.Length == 0, "database calls on the authorize path: " + string.Join(" | ", perRequest));
    }

    [Fact]
    public async Task ChatCompletions_100Requests_OnlyLedgerWritesReachTheDatabase()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 10m);
        object body = new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "hello" } } };
        using (HttpResponseMessage warm = await fixture.Host.Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions", body)))
            Assert.True(warm.IsSuccessStatusCode);

        using var recorder = new DbCommandRecorder(fixture.Database.Name);
        const int requests = 100;
        await Task.WhenAll(Enumerable.Range(0, requests).Select(async _ =>
        {
            using HttpResponseMessage response = await fixture.Host.Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions", body));
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }));

        string[] perRequest = recorder.Commands.Where(c => !IsBackground(c)).ToArray();
        Assert.NotEmpty(perRequest);
        Assert.All(perRequest, sql => Assert.Contains("INSERT INTO nemo.usage_events", sql));
        Assert.True(perRequest.Length <= requests, $"{perRequest.Length} ledger writes for {requests} requests");
        Assert.Equal((long)requests + 1, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId)));
    }
}
