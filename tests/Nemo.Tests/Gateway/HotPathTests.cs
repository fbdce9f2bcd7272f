using Nemo.Grains.Spend;
using Nemo.Cluster.Calls;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Gateway;

/// <summary>
/// Invariant 6: the request path makes no database round trip per request. Commands are attributed
/// causally (Npgsql tracing under the request's activity), so timers and the group-committed ledger
/// writer, which the request only waits for, are told apart from work the request does itself.
/// </summary>
public sealed class HotPathTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    [Fact]
    public async Task Authorize_WarmPath_MakesNoDatabaseCall()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 10m);
        Guid keyId = await tenant.KeyIdAsync(fixture.Database);
        OrganizationCalls cluster = fixture.Host.Get<OrganizationCalls>();
        AuthorizeRequest Request() => new(Guid.CreateVersion7(), tenant.OrganizationId, tenant.TeamId, keyId, "customer-a", "gpt-4o-mini", 1_000, 10);
        using var recorder = new DbCommandRecorder(fixture.Database.Name);
        using (DbCommandRecorder.StartRequest())
        {
            // Control: the first call activates the grains, which load from the database on this path.
            Assert.True((await cluster.AuthorizeAsync(Request(), CancellationToken.None)).Admitted);
        }
        int activation = recorder.OnRequestPath.Count();
        Assert.True(activation > 0, "the recorder saw no command while grains activated; it can't be trusted");

        for (int i = 0; i < 200; i++)
        {
            using (DbCommandRecorder.StartRequest())
            {
                AuthorizeRequest request = Request();
                Assert.True((await cluster.AuthorizeAsync(request, CancellationToken.None)).Admitted);
                await cluster.ReleaseAsync(request.OrganizationId, request.RequestId, CancellationToken.None);
            }
        }

        string[] extra = recorder.OnRequestPath.Skip(activation).Select(c => c.Text).ToArray();
        Assert.True(extra.Length == 0, "database calls on the warm authorize path: " + string.Join(" | ", extra));
    }

    [Fact]
    public async Task ChatCompletions_100Requests_NoDatabaseCallOnTheRequestPath_SettlesGroupCommitted()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 10m);
        object body = new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "hello" } } };
        using (HttpResponseMessage warm = await fixture.Host.Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions", body)))
            Assert.True(warm.IsSuccessStatusCode);

        using var recorder = new DbCommandRecorder(fixture.Database.Name);
        // Control: a key the cache has never seen is looked up in the database on the request path.
        using (HttpResponseMessage unknown = await fixture.Host.Client.SendAsync((tenant with { ApiKey = "sk-nemo-" + new string('Q', 48) })
            .Request(HttpMethod.Post, "/v1/chat/completions", body)))
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, unknown.StatusCode);
        int control = recorder.OnRequestPath.Count();
        Assert.True(control > 0, "the recorder attributed no command to the unknown key's request; it can't be trusted");
        const int requests = 100;
        await Task.WhenAll(Enumerable.Range(0, requests).Select(async _ =>
        {
            using HttpResponseMessage response = await fixture.Host.Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions", body));
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }));

        string[] onPath = recorder.OnRequestPath.Skip(control).Select(c => c.Text).ToArray();
        Assert.True(onPath.Length == 0, "database calls on the request path: " + string.Join(" | ", onPath));
        int ledgerWrites = recorder.Commands.Count(c => c.Text.Contains("INSERT INTO nemo.usage_events", StringComparison.Ordinal));
        Assert.InRange(ledgerWrites, 1, requests);
        Assert.Equal((long)requests + 1, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId)));
    }
}
