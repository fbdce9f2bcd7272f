using System.Net;
using Microsoft.AspNetCore.Builder;
using Nemo.FakeUpstream;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Runtime;

/// <summary>Gateway and silo as separate hosts: the gateway is an Orleans client whose grain calls travel to the silo.</summary>
public sealed class SplitTierTests : IAsyncLifetime
{
    private readonly TestDatabase _database = new();

    public ValueTask InitializeAsync() => _database.InitializeAsync();

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task GatewayWithoutSilo_ServesThroughRemoteSilo()
    {
        await using WebApplication silo = await NemoTestHost.StartSiloAsync(_database.ConnectionString);
        await using WebApplication upstream = FakeUpstreamApp.Build(["--urls", "http://127.0.0.1:0"]);
        await upstream.StartAsync();
        await using WebApplication gateway = await NemoTestHost.StartGatewayAsync(_database.ConnectionString, upstream.Urls.First(),
            new Dictionary<string, string?> { ["Nemo:Role"] = "gateway" });
        using var client = new HttpClient { BaseAddress = new Uri(gateway.Urls.First()) };
        Tenant tenant = await Tenant.CreateAsync(client, credits: 1m);

        using HttpResponseMessage response = await client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions",
            new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "hello" } } }));
        using HttpResponseMessage credits = await client.SendAsync(tenant.Request(HttpMethod.Get, "/v1/credits"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT count(*) FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId)));
        Assert.Contains("\"spent\":0.00001035", await credits.Content.ReadAsStringAsync());
        await gateway.StopAsync();
        await silo.StopAsync();
    }
}
