using System.Net;
using Microsoft.AspNetCore.Builder;
using Nemo.FakeUpstream;
using Nemo.Gateway.Providers;
using Nemo.Gateway.Routing;
using Nemo.Tests.Admin;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Gateway;

/// <summary>
/// Deployments and fallbacks: a model's failing deployment gives way to another, a model's failure to its
/// fallback model (billed once, at the price of what served it), a deployment that keeps failing cools
/// down and is tried again after, nothing is retried once bytes reached the client, and weights hold.
/// Three fake providers: the host's healthy one (<c>fake</c>), one that always answers 500
/// (<c>broken</c>) and one that always answers 429 (<c>limited</c>), plus one that cuts streams
/// (<c>cutter</c>).
/// </summary>
public sealed class RoutingTests : IAsyncLifetime
{
    private readonly TestDatabase _database = new();
    private readonly List<WebApplication> _providers = [];
    private NemoTestHost _host = null!;

    private static readonly (string Name, FakeMode Mode)[] Faulty = [("broken", FakeMode.Error500), ("limited", FakeMode.Error429), ("cutter", FakeMode.Cut), ("azure", FakeMode.Ok)];

    public async ValueTask InitializeAsync()
    {
        await _database.InitializeAsync();
        var settings = new Dictionary<string, string?>
        {
            // primary-model: only on the broken provider, falls back to fallback-model (the healthy fake, dearer).
            ["Nemo:Providers:fake:Models:fallback-model:UpstreamModel"] = "gpt-4o-mini",
            ["Nemo:Providers:fake:Models:fallback-model:InputPerMillion"] = "2",
            ["Nemo:Providers:fake:Models:fallback-model:OutputPerMillion"] = "8",
            ["Nemo:Routing:Fallbacks:primary-model:0"] = "fallback-model",
            // twin: on the limited provider (weight 1000) and the healthy fake (weight 1).
            ["Nemo:Providers:fake:Models:twin:UpstreamModel"] = "gpt-4o-mini",
            ["Nemo:Providers:fake:Models:twin:InputPerMillion"] = "0.15",
            ["Nemo:Providers:fake:Models:twin:OutputPerMillion"] = "0.60",
            ["Nemo:Providers:fake:Models:twin:Weight"] = "1",
            // cut-model: streams that break off on the cutter, with a fallback that must not be used.
            ["Nemo:Routing:Fallbacks:cut-model:0"] = "fallback-model",
            ["Nemo:Routing:Cooldown"] = "00:00:01",
            ["Nemo:Routing:CooldownFailures"] = "3",
            ["Nemo:Routing:RetryDelay"] = "00:00:00.005",
        };
        foreach ((string name, FakeMode mode) in Faulty)
        {
            WebApplication provider = FakeUpstreamApp.Build(["--urls", "http://127.0.0.1:0"], new FakeUpstreamOptions { Mode = mode });
            await provider.StartAsync();
            _providers.Add(provider);
            settings[$"Nemo:Providers:{name}:BaseUrl"] = provider.Urls.First() + (name == "azure" ? "" : "/v1");
            settings[$"Nemo:Providers:{name}:ApiKey"] = $"sk-{name}";
        }
        foreach ((string provider, string model, string weight) in new[] { ("broken", "primary-model", "1"), ("limited", "twin", "1000"), ("cutter", "cut-model", "1") })
        {
            settings[$"Nemo:Providers:{provider}:Models:{model}:UpstreamModel"] = "gpt-4o-mini";
            settings[$"Nemo:Providers:{provider}:Models:{model}:InputPerMillion"] = "0.15";
            settings[$"Nemo:Providers:{provider}:Models:{model}:OutputPerMillion"] = "0.60";
            settings[$"Nemo:Providers:{provider}:Models:{model}:Weight"] = weight;
        }
        // azure-mini: an Azure OpenAI deployment named my-deployment.
        settings["Nemo:Providers:azure:Kind"] = "azure";
        settings["Nemo:Providers:azure:ApiVersion"] = "2024-10-21";
        settings["Nemo:Providers:azure:Models:azure-mini:UpstreamModel"] = "my-deployment";
        settings["Nemo:Providers:azure:Models:azure-mini:InputPerMillion"] = "0.15";
        settings["Nemo:Providers:azure:Models:azure-mini:OutputPerMillion"] = "0.60";
        _host = await NemoTestHost.StartAsync(_database.ConnectionString, settings);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        foreach (WebApplication provider in _providers)
            await provider.DisposeAsync();
        await _database.DisposeAsync();
    }

    private FakeUpstreamStats Stats(int index) => (FakeUpstreamStats)_providers[index].Services.GetService(typeof(FakeUpstreamStats))!;

    private FakeUpstreamStats Healthy => (FakeUpstreamStats)_host.Upstream.Services.GetService(typeof(FakeUpstreamStats))!;

    private static object Chat(string model, bool stream = false) =>
        new { model, max_tokens = 8, stream, messages = new[] { new { role = "user", content = "route me" } } };

    [Fact]
    public async Task PrimaryFails_FallbackServes_BilledOnceAtTheFallbacksPrice()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client, credits: 1m);
        long brokenBefore = Stats(0).TotalRequests;

        (int status, System.Text.Json.JsonElement body, string text) = await _host.Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", tenant.ApiKey, Chat("primary-model"));

        Assert.True(status == 200, text);
        Assert.Equal(brokenBefore + 1, Stats(0).TotalRequests);
        Assert.Equal("gpt-4o-mini", Healthy.LastModel); // the fallback's upstream name, rewritten into the body
        (long events, string model, string deployment, long prompt, long completion, long cost) = await UsageAsync(tenant);
        Assert.Equal(1, events);
        Assert.Equal("fallback-model", model);
        Assert.Equal("fake", deployment);
        Assert.Equal(new Nemo.Grains.Money.ModelPrice(2_000_000_000, 8_000_000_000).Cost(prompt, completion), cost);
        Assert.Equal(body.GetProperty("usage").GetProperty("completion_tokens").GetInt64(), completion);
        // The broken deployment's 500, then the fallback: two attempts, recorded with the usage event.
        Assert.Equal(2, await _database.ScalarAsync<int>("SELECT attempts FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId)));
    }

    [Fact]
    public async Task FallbackTheKeyMayNotUse_IsSkipped_AndTheFailureAnswered()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client, credits: 1m);
        Assert.Equal(200, (await _host.Client.SendAsync(HttpMethod.Patch, $"/v1/keys/{await tenant.KeyIdAsync(_database)}", tenant.ApiKey,
            new { models = new[] { "primary-model" } })).Status);
        long healthyBefore = Healthy.TotalRequests;

        (int status, _, string text) = await _host.Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", tenant.ApiKey, Chat("primary-model"));

        Assert.True(status == 502, text);
        Assert.Contains("upstream_error", text);
        Assert.Equal(healthyBefore, Healthy.TotalRequests);
        Assert.Equal(0, (await UsageAsync(tenant)).Events);
        // The failure's request-log entry names the deployment that failed and the one attempt made.
        await Eventually.TrueAsync(async () => await _database.ScalarAsync<long>(
            "SELECT count(*) FROM nemo.request_failures WHERE organization_id = @org", ("org", tenant.OrganizationId)) == 1, "the failure is logged");
        Assert.Equal("broken|1|502", await _database.ScalarAsync<string>(
            "SELECT concat_ws('|', deployment, attempts, status_code) FROM nemo.request_failures WHERE organization_id = @org", ("org", tenant.OrganizationId)));
    }

    [Fact]
    public async Task A429_MovesTheRequestToAnotherDeployment_ThenCooldownSkipsIt_AndItIsTriedAgainAfter()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client, credits: 1m);
        FakeUpstreamStats limited = Stats(1);
        // Let any earlier cooldown lapse, then count from a closed breaker.
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        long before = limited.TotalRequests;
        for (int i = 0; i < 10; i++)
        {
            (int status, _, string text) = await _host.Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", tenant.ApiKey, Chat("twin"));
            Assert.True(status == 200, text);
        }
        // Weight 1000 to 1 sends nearly every first attempt to the limited deployment until 3 failures cool it down.
        Assert.Equal(before + 3, limited.TotalRequests);
        Assert.Equal(10, (await UsageAsync(tenant)).Events);

        await Task.Delay(TimeSpan.FromSeconds(1.2));
        (int again, _, _) = await _host.Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", tenant.ApiKey, Chat("twin"));
        Assert.Equal(200, again);
        Assert.Equal(before + 4, limited.TotalRequests); // tried again after the cooldown (half-open), failed, then served elsewhere
    }

    [Fact]
    public async Task AStreamThatBreaksAfterItsFirstBytes_IsNotRetried()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client, credits: 1m);
        long healthyBefore = Healthy.TotalRequests;

        using HttpRequestMessage request = tenant.Request(HttpMethod.Post, "/v1/chat/completions", Chat("cut-model", stream: true));
        using HttpResponseMessage response = await _host.Client.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("upstream_cut", body);
        Assert.DoesNotContain("[DONE]", body);
        Assert.Equal(healthyBefore, Healthy.TotalRequests);
        Assert.Equal(1, (await UsageAsync(tenant)).Events); // what was delivered, once
    }

    [Fact]
    public async Task AzureProvider_IsCalledWithItsDeploymentPathApiVersionAndApiKeyHeader()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client, credits: 1m);

        (int status, _, string text) = await _host.Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", tenant.ApiKey, Chat("azure-mini"));

        Assert.True(status == 200, text);
        FakeUpstreamStats azure = Stats(3);
        Assert.Equal("my-deployment@2024-10-21", azure.LastAzure);
        Assert.Equal("Bearer sk-azure", azure.LastAuthorization); // sent as api-key; the fake's shim shows it as a bearer
        (long events, string model, string deployment, _, _, _) = await UsageAsync(tenant);
        Assert.Equal((1, "azure-mini", "azure"), (events, model, deployment));
    }

    [Fact]
    public void Weights_Split10000ChoicesWithin3Percent()
    {
        DeploymentRouter router = _host.Get<DeploymentRouter>();
        ModelCatalog catalog = _host.Get<ModelCatalog>();
        CatalogModel light = catalog.Deployments("twin").Single(d => d.Provider == "fake") with { Weight = 1 };
        CatalogModel heavy = catalog.Deployments("twin").Single(d => d.Provider == "limited") with { Weight = 3 };
        int heavyCount = 0;
        for (int i = 0; i < 10_000; i++)
        {
            if (router.Choose([light, heavy]).Provider == "limited")
                heavyCount++;
        }
        Assert.InRange(heavyCount, 7_200, 7_800); // 75 % ± 3 %
    }

    private async Task<(long Events, string Model, string Deployment, long Prompt, long Completion, long Cost)> UsageAsync(Tenant tenant)
    {
        long events = await _database.ScalarAsync<long>("SELECT count(*) FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId));
        if (events != 1)
            return (events, "", "", 0, 0, 0);
        string row = await _database.ScalarAsync<string>(
            "SELECT concat_ws('|', model, deployment, prompt_tokens, completion_tokens, cost) FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId));
        string[] f = row.Split('|');
        return (events, f[0], f[1], long.Parse(f[2]), long.Parse(f[3]), long.Parse(f[4]));
    }
}
