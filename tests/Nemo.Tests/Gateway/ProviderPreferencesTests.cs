using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Nemo.FakeUpstream;
using Nemo.Grains.Money;
using Nemo.Grains.Contracts;
using Nemo.Cluster.Calls;
using Nemo.Tests.Admin;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Gateway;

/// <summary>
/// An organization's provider preferences (<c>PUT /v1/provider-preferences</c>: order, ignore) and a
/// request's own fallbacks (<c>models</c>), against several fake providers: the preferred healthy provider
/// serves every request, an ignored provider is never called (fallbacks included), a failing preferred
/// provider gives way to the next, a request nothing may serve is refused before anything is reserved, the
/// setting reaches a second gateway by NOTIFY, only owners and admins change it (audited, validated), and
/// <c>models</c> replaces the configured fallbacks, prices the reservation, is billed once at the serving
/// model's price and never reaches a provider.
/// Providers: the host's healthy <c>fake</c>, healthy <c>alpha</c> and <c>beta</c>, and <c>broken</c> (always 500).
/// </summary>
public sealed class ProviderPreferencesTests(ProviderPreferencesTests.Rig rig) : IClassFixture<ProviderPreferencesTests.Rig>
{
    /// <summary>The database, two gateways on it and the fake providers, shared by the tests (each uses its own organizations).</summary>
    public sealed class Rig : IAsyncLifetime
    {
        private readonly Dictionary<string, string?> _settings = new()
        {
            // trio: on fake (weight 1000), alpha and beta (weight 1 each): without preferences fake serves nearly all.
            ["Nemo:Providers:fake:Models:trio:UpstreamModel"] = "gpt-4o-mini",
            ["Nemo:Providers:fake:Models:trio:InputPerMillion"] = "0.15",
            ["Nemo:Providers:fake:Models:trio:OutputPerMillion"] = "0.60",
            ["Nemo:Providers:fake:Models:trio:Weight"] = "1000",
            // pricey: on fake only, dear; a per-request fallback.
            ["Nemo:Providers:fake:Models:pricey:UpstreamModel"] = "gpt-4o-mini",
            ["Nemo:Providers:fake:Models:pricey:InputPerMillion"] = "2",
            ["Nemo:Providers:fake:Models:pricey:OutputPerMillion"] = "1000",
            // lonely (beta only) and solo-broken (broken only) fall back to solo-alpha (alpha only).
            ["Nemo:Routing:Fallbacks:lonely:0"] = "solo-alpha",
            ["Nemo:Routing:Fallbacks:solo-broken:0"] = "solo-alpha",
            ["Nemo:Routing:CooldownFailures"] = "100", // no cooldown interferes with the counts below
            ["Nemo:Routing:RetryDelay"] = "00:00:00.005",
        };
        private WebApplication _second = null!;

        public TestDatabase Database { get; } = new();

        public Dictionary<string, WebApplication> Providers { get; } = [];

        public NemoTestHost Host { get; private set; } = null!;

        public HttpClient Second { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            await Database.InitializeAsync();
            foreach ((string name, FakeMode mode) in new[] { ("alpha", FakeMode.Ok), ("beta", FakeMode.Ok), ("broken", FakeMode.Error500) })
            {
                WebApplication provider = FakeUpstreamApp.Build(["--urls", "http://127.0.0.1:0"], new FakeUpstreamOptions { Mode = mode });
                await provider.StartAsync();
                Providers[name] = provider;
                _settings[$"Nemo:Providers:{name}:BaseUrl"] = provider.Urls.First() + "/v1";
                _settings[$"Nemo:Providers:{name}:ApiKey"] = $"sk-{name}";
            }
            foreach ((string provider, string model) in new[] { ("alpha", "trio"), ("beta", "trio"), ("broken", "flaky"), ("alpha", "flaky"), ("beta", "flaky"),
                ("beta", "lonely"), ("alpha", "solo-alpha"), ("broken", "solo-broken") })
            {
                _settings[$"Nemo:Providers:{provider}:Models:{model}:UpstreamModel"] = "gpt-4o-mini";
                _settings[$"Nemo:Providers:{provider}:Models:{model}:InputPerMillion"] = "0.15";
                _settings[$"Nemo:Providers:{provider}:Models:{model}:OutputPerMillion"] = "0.60";
                _settings[$"Nemo:Providers:{provider}:Models:{model}:Weight"] = provider == "broken" ? "1000" : "1";
            }
            Host = await NemoTestHost.StartAsync(Database.ConnectionString, _settings);
            _second = await NemoTestHost.StartGatewayAsync(Database.ConnectionString, Host.UpstreamUrl, _settings);
            Second = new HttpClient { BaseAddress = new Uri(_second.Urls.First()) };
        }

        public async ValueTask DisposeAsync()
        {
            Second.Dispose();
            await _second.StopAsync();
            await _second.DisposeAsync();
            await Host.DisposeAsync();
            foreach (WebApplication provider in Providers.Values)
                await provider.DisposeAsync();
            await Database.DisposeAsync();
        }
    }

    private TestDatabase Database => rig.Database;

    private NemoTestHost Host => rig.Host;

    private HttpClient SecondGateway => rig.Second;

    private Dictionary<string, WebApplication> Providers => rig.Providers;

    private long Calls(string provider) => ((FakeUpstreamStats)(provider == "fake" ? Host.Upstream : Providers[provider]).Services.GetService(typeof(FakeUpstreamStats))!).TotalRequests;

    private Dictionary<string, long> AllCalls() => new[] { "fake", "alpha", "beta", "broken" }.ToDictionary(p => p, Calls);

    private static object Chat(string model, object? models = null, int maxTokens = 8) => models is null
        ? new { model, max_tokens = maxTokens, messages = new[] { new { role = "user", content = "route me" } } }
        : new { model, models, max_tokens = maxTokens, messages = new[] { new { role = "user", content = "route me" } } };

    private Task<(int Status, JsonElement Body, string Text)> ChatAsync(HttpClient client, string key, object body) =>
        client.SendAsync(HttpMethod.Post, "/v1/chat/completions", key, body);

    private async Task PutAsync(AdminWorld world, object preferences)
    {
        (int status, _, string text) = await Host.Client.SendAsync(HttpMethod.Put, "/v1/provider-preferences", world.Admin.Key, preferences);
        Assert.True(status == 200, text);
    }

    [Fact]
    public async Task Order_SendsEveryRequestToThePreferredHealthyProvider_AndReachesASecondGatewayWithoutRestart()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Host.Client, Database, credits: 1m);
        // Warm the second gateway's view of the organization (its cache must learn the change, not read it fresh).
        Assert.Equal(200, (await ChatAsync(SecondGateway, world.Member.Key, Chat("trio"))).Status);

        await PutAsync(world, new { order = new[] { "beta", "alpha" } });
        long beta = Calls("beta");
        await Eventually.TrueAsync(async () =>
        {
            long before = Calls("beta");
            return (await ChatAsync(SecondGateway, world.Member.Key, Chat("trio"))).Status == 200 && Calls("beta") == before + 1;
        }, "the second gateway to route by the new order", 10);

        Dictionary<string, long> before = AllCalls();
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(200, (await ChatAsync(Host.Client, world.Member.Key, Chat("trio"))).Status);
            Assert.Equal(200, (await ChatAsync(SecondGateway, world.Member.Key, Chat("trio"))).Status);
        }
        Dictionary<string, long> after = AllCalls();
        Assert.Equal(before["beta"] + 20, after["beta"]);
        Assert.Equal((before["fake"], before["alpha"]), (after["fake"], after["alpha"])); // fake's weight of 1000 no longer counts
        Assert.True(Calls("beta") > beta);

        // Another organization keeps the operator's weights: fake (weight 1000 of 1002) serves it.
        AdminWorld other = await AdminWorld.CreateAsync(Host.Client, Database, credits: 1m);
        long fake = Calls("fake");
        for (int i = 0; i < 5; i++)
            Assert.Equal(200, (await ChatAsync(Host.Client, other.Member.Key, Chat("trio"))).Status);
        Assert.InRange(Calls("fake") - fake, 4, 5);
    }

    [Fact]
    public async Task Ignore_TheIgnoredProviderSeesNothing_OnThePrimaryOrTheFallbacks()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Host.Client, Database, credits: 1m);
        await PutAsync(world, new { ignore = new[] { "fake", "beta" } });
        Dictionary<string, long> before = AllCalls();

        for (int i = 0; i < 10; i++)
            Assert.Equal(200, (await ChatAsync(Host.Client, world.Member.Key, Chat("trio"))).Status);
        // lonely is only on beta: its configured fallback (solo-alpha) serves it, beta is never tried.
        (int status, _, string text) = await ChatAsync(Host.Client, world.Member.Key, Chat("lonely"));
        Assert.True(status == 200, text);

        Dictionary<string, long> after = AllCalls();
        Assert.Equal(before["alpha"] + 11, after["alpha"]);
        Assert.Equal((before["fake"], before["beta"]), (after["fake"], after["beta"]));
        string deployments = await Database.ScalarAsync<string>(
            "SELECT string_agg(DISTINCT model || '@' || deployment, ',' ORDER BY model || '@' || deployment) FROM nemo.usage_events WHERE organization_id = @org", ("org", world.OrganizationId));
        Assert.Equal("solo-alpha@alpha,trio@alpha", deployments);
    }

    [Fact]
    public async Task PreferredProviderFailing_TheNextOneServes_BilledOnce()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Host.Client, Database, credits: 1m);
        await PutAsync(world, new { order = new[] { "broken", "beta" } });
        Dictionary<string, long> before = AllCalls();

        (int status, _, string text) = await ChatAsync(Host.Client, world.Member.Key, Chat("flaky"));

        Assert.True(status == 200, text);
        Dictionary<string, long> after = AllCalls();
        Assert.Equal(before["broken"] + 1, after["broken"]); // first in the order: tried first
        Assert.Equal(before["beta"] + 1, after["beta"]); // second in the order: served
        Assert.Equal(before["alpha"], after["alpha"]);
        Assert.Equal(1, await Database.ScalarAsync<long>(
            "SELECT count(*) FROM nemo.usage_events WHERE organization_id = @org AND deployment = 'beta'", ("org", world.OrganizationId)));
    }

    [Fact]
    public async Task EverythingIgnored_IsRefusedBeforeAuthorization_UpstreamUntouched_NothingReserved()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Host.Client, Database, credits: 1m);
        await PutAsync(world, new { ignore = new[] { "beta", "alpha" } });
        CreditsView credits = await Host.Get<OrganizationCalls>().GetCreditsAsync(world.OrganizationId, CancellationToken.None);
        Dictionary<string, long> before = AllCalls();

        // lonely is on beta, its fallback solo-alpha on alpha: nothing is left.
        (int status, JsonElement body, string text) = await ChatAsync(Host.Client, world.Member.Key, Chat("lonely"));

        Assert.True(status == 404, text);
        Assert.Equal("no_allowed_providers", body.Code());
        Assert.Equal("model", body.Error().GetProperty("param").GetString());
        Assert.Equal(before, AllCalls());
        Assert.Equal(credits, await Host.Get<OrganizationCalls>().GetCreditsAsync(world.OrganizationId, CancellationToken.None));
        Assert.Equal(0, await Database.ScalarAsync<long>("SELECT count(*) FROM nemo.usage_events WHERE organization_id = @org", ("org", world.OrganizationId)));

        // Refused before the organization's grain is asked: even an organization without credit gets this 404, not a 402.
        AdminWorld broke = await AdminWorld.CreateAsync(Host.Client, Database);
        await PutAsync(broke, new { ignore = new[] { "beta", "alpha" } });
        (status, body, text) = await ChatAsync(Host.Client, broke.Member.Key, Chat("lonely"));
        Assert.True(status == 404 && body.Code() == "no_allowed_providers", text);
    }

    [Fact]
    public async Task OnlyOwnersAndAdminsChangeThem_EveryRoleReadsThem_TheChangeIsAudited()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Host.Client, Database);
        string fingerprint = await world.FingerprintAsync(Database);
        foreach (string key in new[] { world.Member.Key, world.Viewer.Key })
        {
            (int status, JsonElement body, string text) = await Host.Client.SendAsync(HttpMethod.Put, "/v1/provider-preferences", key, new { order = new[] { "alpha" } });
            Assert.True(status == 403, text);
            Assert.NotNull(body.Code());
        }
        Assert.Equal(fingerprint, await world.FingerprintAsync(Database));

        (int put, JsonElement saved, string putText) = await Host.Client.SendAsync(HttpMethod.Put, "/v1/provider-preferences", world.Owner.Key,
            new { order = new[] { "beta", "alpha" }, ignore = new[] { "broken" } });
        Assert.True(put == 200, putText);
        Assert.Equal(new[] { "alpha", "beta", "broken", "fake" }, saved.GetProperty("providers").EnumerateArray().Select(p => p.GetString()!));

        foreach (string key in new[] { world.Owner.Key, world.Admin.Key, world.Member.Key, world.Viewer.Key })
        {
            (int status, JsonElement body, string text) = await Host.Client.SendAsync(HttpMethod.Get, "/v1/provider-preferences", key);
            Assert.True(status == 200, text);
            Assert.Equal("provider_preferences", body.GetProperty("object").GetString());
            Assert.Equal(new[] { "beta", "alpha" }, body.GetProperty("order").EnumerateArray().Select(p => p.GetString()!));
            Assert.Equal(new[] { "broken" }, body.GetProperty("ignore").EnumerateArray().Select(p => p.GetString()!));
        }

        (int cleared, _, string clearText) = await Host.Client.SendAsync(HttpMethod.Put, "/v1/provider-preferences", world.Admin.Key, new { });
        Assert.True(cleared == 200, clearText);
        string[] audit = [.. (await Database.ScalarAsync<string>(
            """
            SELECT string_agg(actor || ' ' || before::text || ' -> ' || after::text, E'\n' ORDER BY id) FROM nemo.audit_log
            WHERE organization_id = @org AND action = 'organization.provider_preferences' AND target = 'organization:' || @org::text
            """, ("org", world.OrganizationId))).Split('\n')];
        Assert.Equal(2, audit.Length);
        Assert.EndsWith("""{"order": [], "ignore": []} -> {"order": ["beta", "alpha"], "ignore": ["broken"]}""", audit[0]);
        Assert.EndsWith("""{"order": ["beta", "alpha"], "ignore": ["broken"]} -> {"order": [], "ignore": []}""", audit[1]);
    }

    [Theory]
    [InlineData("""{"order":["nowhere"]}""", "order[0]", "unknown_provider")]
    [InlineData("""{"ignore":["alpha","nowhere"]}""", "ignore[1]", "unknown_provider")]
    [InlineData("""{"order":["alpha","alpha"]}""", "order[1]", "invalid_value")]
    [InlineData("""{"order":["alpha"],"ignore":["beta","alpha"]}""", "ignore", "invalid_value")]
    [InlineData("""{"order":"alpha"}""", "order", "invalid_type")]
    [InlineData("""{"order":[1]}""", "order[0]", "invalid_value")]
    [InlineData("""{"order":[""]}""", "order[0]", "invalid_value")]
    [InlineData("""{"prefer":["alpha"]}""", "prefer", "unknown_parameter")]
    public async Task InvalidBodies_Get400_AndChangeNothing(string json, string param, string code)
    {
        AdminWorld world = await AdminWorld.CreateAsync(Host.Client, Database);
        await PutAsync(world, new { order = new[] { "beta" } });
        string fingerprint = await world.FingerprintAsync(Database);

        using HttpRequestMessage request = AdminHttp.Request(HttpMethod.Put, "/v1/provider-preferences", world.Owner.Key);
        request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await Host.Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();

        Assert.True((int)response.StatusCode == 400, text);
        using JsonDocument body = JsonDocument.Parse(text);
        Assert.Equal(code, body.RootElement.Code());
        Assert.Equal(param, body.RootElement.Error().GetProperty("param").GetString());
        if (code == "unknown_provider")
            Assert.Contains("alpha, beta, broken, fake", text); // the known names, so the caller can correct it
        Assert.Equal(fingerprint, await world.FingerprintAsync(Database));
    }

    [Fact]
    public async Task TooManyProviders_Get400()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Host.Client, Database);
        (int status, JsonElement body, string text) = await Host.Client.SendAsync(HttpMethod.Put, "/v1/provider-preferences", world.Owner.Key,
            new { ignore = Enumerable.Repeat("alpha", 33).ToArray() });
        Assert.True(status == 400, text);
        Assert.Equal("invalid_value", body.Code());
    }

    [Fact]
    public async Task RequestModels_PrimaryFails_TheFirstListedFallbackServes_BilledOnceAtItsPrice_AndModelsIsNotForwarded()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Host.Client, Database, credits: 1m);
        // The fake refuses `models` as OpenAI does: a 200 below means the gateway did not forward it.
        using (var direct = new HttpClient { BaseAddress = new Uri(Host.UpstreamUrl) })
        {
            (int refused, _, string refusedText) = await direct.SendAsync(HttpMethod.Post, "/v1/chat/completions", "sk-fake-provider-key",
                new { model = "gpt-4o-mini", models = new[] { "x" }, messages = new[] { new { role = "user", content = "hi" } } });
            Assert.True(refused == 400 && refusedText.Contains("models"), refusedText);
        }
        Dictionary<string, long> before = AllCalls();

        (int status, JsonElement body, string text) = await ChatAsync(Host.Client, world.Member.Key, Chat("solo-broken", new[] { "pricey", "trio" }));

        Assert.True(status == 200, text);
        Dictionary<string, long> after = AllCalls();
        Assert.Equal(before["broken"] + 1, after["broken"]);
        Assert.Equal(before["fake"] + 1, after["fake"]); // pricey, the first listed
        Assert.Equal(before["alpha"], after["alpha"]); // the configured fallback (solo-alpha) is not used
        Assert.Equal("gpt-4o-mini", ((FakeUpstreamStats)Host.Upstream.Services.GetService(typeof(FakeUpstreamStats))!).LastModel);
        string row = await Database.ScalarAsync<string>(
            "SELECT string_agg(concat_ws('|', model, deployment, prompt_tokens, completion_tokens, cost), ',') FROM nemo.usage_events WHERE organization_id = @org",
            ("org", world.OrganizationId));
        string[] f = row.Split('|');
        Assert.Equal(5, f.Length); // one event
        Assert.Equal(("pricey", "fake"), (f[0], f[1]));
        Assert.Equal(new ModelPrice(2_000_000_000, 1_000_000_000_000).Cost(long.Parse(f[2]), long.Parse(f[3])), long.Parse(f[4]));
        Assert.Equal(body.GetProperty("usage").GetProperty("completion_tokens").GetInt64(), long.Parse(f[3]));
        CreditsView credits = await Host.Get<OrganizationCalls>().GetCreditsAsync(world.OrganizationId, CancellationToken.None);
        Assert.Equal((long.Parse(f[4]), 0L), (credits.Spent, credits.Reserved));
    }

    [Fact]
    public async Task RequestModels_AModelTheKeyMayNotUse_IsSkipped()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Host.Client, Database, credits: 1m);
        (int patched, _, string patchText) = await Host.Client.SendAsync(HttpMethod.Patch, $"/v1/keys/{world.Member.KeyId}", world.Owner.Key,
            new { models = new[] { "solo-broken", "solo-alpha" } });
        Assert.True(patched == 200, patchText);
        Dictionary<string, long> before = AllCalls();

        (int status, _, string text) = await ChatAsync(Host.Client, world.Member.Key, Chat("solo-broken", new[] { "pricey", "solo-alpha" }));

        Assert.True(status == 200, text);
        Dictionary<string, long> after = AllCalls();
        Assert.Equal(before["fake"], after["fake"]); // pricey: not on the key's allow-list
        Assert.Equal(before["alpha"] + 1, after["alpha"]);
        Assert.Equal("solo-alpha", await Database.ScalarAsync<string>(
            "SELECT string_agg(model, ',') FROM nemo.usage_events WHERE organization_id = @org", ("org", world.OrganizationId)));
    }

    [Fact]
    public async Task RequestModels_PriceTheReservation_AtTheDearestModelTheRequestMayReach()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Host.Client, Database, credits: 1m);
        Dictionary<string, long> before = AllCalls();
        // 2,000 output tokens: $0.0012 at solo-broken's and solo-alpha's price, $2 at pricey's, more than the $1 of credit.
        (int cheap, _, string cheapText) = await ChatAsync(Host.Client, world.Member.Key, Chat("solo-broken", maxTokens: 2000));
        Assert.True(cheap == 200, cheapText);
        Dictionary<string, long> middle = AllCalls();

        (int status, JsonElement body, string text) = await ChatAsync(Host.Client, world.Member.Key, Chat("solo-broken", new[] { "pricey" }, maxTokens: 2000));

        Assert.True(status == 402, text);
        Assert.Equal("insufficient_quota", body.Error().GetProperty("type").GetString());
        Assert.Equal(middle, AllCalls()); // refused at authorization: no provider called
        Assert.Equal(before["alpha"] + 1, middle["alpha"]);
    }

    [Theory]
    [InlineData("\"pricey\"", "models", "invalid_type")]
    [InlineData("{\"0\":\"pricey\"}", "models", "invalid_type")]
    [InlineData("[1]", "models[0]", "invalid_type")]
    [InlineData("[\"\"]", "models[0]", "invalid_value")]
    [InlineData("[\"pricey\",\"pricey\"]", "models[1]", "invalid_value")]
    [InlineData("[\"pricey\",\"nowhere\"]", "models[1]", "model_not_found")]
    [InlineData("[\"trio\",\"pricey\",\"lonely\",\"solo-alpha\",\"flaky\",\"gpt-4o-mini\"]", "models", "invalid_value")]
    public async Task RequestModels_InvalidShapes_Get400_AndNoProviderIsCalled(string models, string param, string code)
    {
        Tenant tenant = await Tenant.CreateAsync(Host.Client, credits: 1m);
        Dictionary<string, long> before = AllCalls();
        string json = $$"""{"model":"solo-broken","models":{{models}},"max_tokens":8,"messages":[{"role":"user","content":"hi"}]}""";

        using HttpResponseMessage response = await Host.Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions", json));
        string text = await response.Content.ReadAsStringAsync();

        Assert.True((int)response.StatusCode == 400, text);
        using JsonDocument body = JsonDocument.Parse(text);
        Assert.Equal(code, body.RootElement.Code());
        Assert.Equal(param, body.RootElement.Error().GetProperty("param").GetString());
        Assert.Equal(before, AllCalls());
        Assert.Equal(0, await Database.ScalarAsync<long>("SELECT count(*) FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId)));
    }
}
