using System.Net;
using System.Text.Json;
using Nemo.FakeUpstream;
using Nemo.Grains.Contracts;
using Nemo.Grains.Spend;
using Nemo.Cluster.Calls;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Gateway;

/// <summary>The OpenAI-compatible routes over real HTTP: status codes, error shapes, headers, settlement rules.</summary>
public sealed class ProxyTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private HttpClient Client => fixture.Host.Client;

    private static object Chat(string content = "hello", object? extra = null) => extra ?? new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content } } };

    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response)
    {
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement error = json.RootElement.GetProperty("error");
        Assert.Equal(JsonValueKind.String, error.GetProperty("message").ValueKind);
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        Assert.True(error.TryGetProperty("code", out _) && error.TryGetProperty("param", out _));
        return error.Clone();
    }

    private async Task<CreditsView> CreditsAsync(Tenant tenant) =>
        await fixture.Host.Get<OrganizationCalls>().GetCreditsAsync(tenant.OrganizationId, CancellationToken.None);

    [Fact]
    public async Task Chat_Success_CarriesOrgAndRequestIdHeaders_AndSettles()
    {
        Tenant tenant = await Tenant.CreateAsync(Client, credits: 1m);
        using HttpResponseMessage response = await Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions", Chat()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(tenant.OrganizationId.ToString(), response.Headers.GetValues("x-nemo-org-id").Single());
        Guid requestId = Guid.Parse(response.Headers.GetValues("x-nemo-request-id").Single());
        CreditsView credits = await CreditsAsync(tenant);
        // Fake upstream: 5 prompt + 16 completion tokens at 0.15 / 0.60 USD per million = 750 + 9,600 nanos.
        Assert.Equal(10_350, credits.Spent);
        Assert.Equal(0, credits.Reserved);
        Assert.Equal(10_350L, await fixture.Database.ScalarAsync<long>("SELECT cost FROM nemo.usage_events WHERE request_id = @id", ("id", requestId)));
        Assert.Equal("Bearer sk-fake-provider-key", fixture.Host.Upstream.Services.GetService(typeof(FakeUpstreamStats)) is FakeUpstreamStats stats ? stats.LastAuthorization : null);
    }

    [Theory]
    [InlineData(null, "You didn't provide an API key")]
    [InlineData("Bearer sk-nemo-short", "Incorrect API key")]
    [InlineData("Bearer sk-nemo-000000000000000000000000000000000000000000000000", "Incorrect API key")]
    public async Task MissingOrUnknownKey_Returns401InOpenAIShape(string? authorization, string message)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonContent(Chat()) };
        if (authorization is not null)
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using HttpResponseMessage response = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith(message, (await ErrorOf(response)).GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("{not json", HttpStatusCode.BadRequest, "invalid_json", null)]
    [InlineData("[1,2]", HttpStatusCode.BadRequest, "invalid_json", null)]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", HttpStatusCode.BadRequest, "missing_required_parameter", "model")]
    [InlineData("{\"model\":\"gpt-4o-mini\"}", HttpStatusCode.BadRequest, "missing_required_parameter", "messages")]
    [InlineData("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":0}", HttpStatusCode.BadRequest, "invalid_value", "max_tokens")]
    [InlineData("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":\"yes\"}", HttpStatusCode.BadRequest, "invalid_type", "stream")]
    [InlineData("{\"model\":\"no-such-model\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", HttpStatusCode.NotFound, "model_not_found", "model")]
    public async Task BadInput_GetsSpecificErrorAndChangesNothing(string body, HttpStatusCode status, string code, string? param)
    {
        Tenant tenant = await Tenant.CreateAsync(Client, credits: 1m);
        using HttpResponseMessage response = await Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions", body));
        Assert.Equal(status, response.StatusCode);
        JsonElement error = await ErrorOf(response);
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal(new CreditsView(1_000_000_000, 0, 0), await CreditsAsync(tenant));
    }

    [Fact]
    public async Task OversizedBody_Returns413()
    {
        Tenant tenant = await Tenant.CreateAsync(Client, credits: 1m);
        using HttpResponseMessage response = await Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions", Chat(new string('x', 70_000))));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", (await ErrorOf(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task InsufficientCredits_Returns402_NothingDebited()
    {
        Tenant tenant = await Tenant.CreateAsync(Client, credits: 0.0001m); // less than the 1000-token output cap could cost
        using HttpResponseMessage response = await Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions", Chat()));
        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        Assert.Equal("insufficient_credits", (await ErrorOf(response)).GetProperty("code").GetString());
        Assert.Equal(new CreditsView(100_000, 0, 0), await CreditsAsync(tenant));
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId)));
    }

    [Fact]
    public async Task KeyRpm_Exceeded_Returns429WithRetryAfterAndRateLimitHeaders()
    {
        Tenant tenant = await Tenant.CreateAsync(Client, credits: 1m);
        using HttpResponseMessage created = await Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/keys", new { name = "limited", rpm = 2 }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using JsonDocument key = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        Tenant limited = tenant with { ApiKey = key.RootElement.GetProperty("key").GetString()! };

        for (int i = 0; i < 2; i++)
        {
            using HttpResponseMessage ok = await Client.SendAsync(limited.Request(HttpMethod.Post, "/v1/chat/completions", Chat()));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal((1 - i).ToString(), ok.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        }
        using HttpResponseMessage limitedResponse = await Client.SendAsync(limited.Request(HttpMethod.Post, "/v1/chat/completions", Chat()));
        Assert.Equal(HttpStatusCode.TooManyRequests, limitedResponse.StatusCode);
        Assert.Equal("rate_limit_exceeded", (await ErrorOf(limitedResponse)).GetProperty("code").GetString());
        Assert.True(int.Parse(limitedResponse.Headers.GetValues("Retry-After").Single()) >= 1);
        Assert.Equal("2", limitedResponse.Headers.GetValues("x-ratelimit-limit-requests").Single());
        Assert.Equal("0", limitedResponse.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        Assert.EndsWith("s", limitedResponse.Headers.GetValues("x-ratelimit-reset-requests").Single());
    }

    [Fact]
    public async Task UpstreamServerError_Returns502_ReservationReleased_NothingCharged()
    {
        Tenant tenant = await Tenant.CreateAsync(Client, credits: 1m);
        using HttpResponseMessage response = await Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions",
            new { model = "gpt-4o-mini", user = FakeOverrides.User(mode: FakeMode.Error500), messages = new[] { new { role = "user", content = "x" } } }));
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_error", (await ErrorOf(response)).GetProperty("code").GetString());
        Assert.Equal(new CreditsView(1_000_000_000, 0, 0), await CreditsAsync(tenant));
    }

    [Fact]
    public async Task UpstreamRateLimit_PassedThroughAs429_ReservationReleased()
    {
        Tenant tenant = await Tenant.CreateAsync(Client, credits: 1m);
        using HttpResponseMessage response = await Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions",
            new { model = "gpt-4o-mini", user = FakeOverrides.User(mode: FakeMode.Error429), messages = new[] { new { role = "user", content = "x" } } }));
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        await ErrorOf(response);
        Assert.Equal(new CreditsView(1_000_000_000, 0, 0), await CreditsAsync(tenant));
    }

    [Fact]
    public async Task StreamCutMidway_SettledAtCountedFigure_FlaggedNeverZero_ClientGetsErrorEvent()
    {
        Tenant tenant = await Tenant.CreateAsync(Client, credits: 1m);
        using HttpResponseMessage response = await Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions",
            new { model = "gpt-4o-mini", stream = true, user = FakeOverrides.User(mode: FakeMode.Cut, cutAfter: 3), messages = new[] { new { role = "user", content = "x" } } }));
        string body = await response.Content.ReadAsStringAsync();
        Guid requestId = Guid.Parse(response.Headers.GetValues("x-nemo-request-id").Single());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("[DONE]", body);
        Assert.Contains("\"error\"", body);
        long flags = await fixture.Database.ScalarAsync<int>("SELECT flags FROM nemo.usage_events WHERE request_id = @id", ("id", requestId));
        Assert.Equal((long)(UsageFlags.Estimated | UsageFlags.StreamCut), flags & (long)(UsageFlags.Estimated | UsageFlags.StreamCut));
        long completion = await fixture.Database.ScalarAsync<long>("SELECT completion_tokens FROM nemo.usage_events WHERE request_id = @id", ("id", requestId));
        Assert.InRange(completion, 3, 1000); // at least one per chunk received, at most the output cap
        CreditsView credits = await CreditsAsync(tenant);
        Assert.True(credits.Spent > 0);
        Assert.Equal(0, credits.Reserved);
    }

    [Fact]
    public async Task Stream_WithoutUsageRequested_StripsUsageChunk_ButSettlesActualUsage()
    {
        Tenant tenant = await Tenant.CreateAsync(Client, credits: 1m);
        using HttpResponseMessage response = await Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions",
            new { model = "gpt-4o-mini", stream = true, max_tokens = 4, messages = new[] { new { role = "user", content = "hello" } } }));
        string body = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("data: [DONE]\n\n", body);
        Assert.DoesNotContain("\"choices\":[]", body);
        Assert.Equal(750 + 2_400, (await CreditsAsync(tenant)).Spent); // 5 prompt + 4 completion tokens
    }

    [Theory]
    [InlineData("header")]
    [InlineData("metadata")]
    [InlineData("user")]
    public async Task Customer_IsAttributedFromHeaderMetadataOrUser(string source)
    {
        Tenant tenant = await Tenant.CreateAsync(Client, credits: 1m);
        string customer = $"cust-{source}-{Guid.NewGuid():N}";
        object body = source switch
        {
            "metadata" => new { model = "gpt-4o-mini", metadata = new { customer_id = customer }, messages = new[] { new { role = "user", content = "x" } } },
            "user" => new { model = "gpt-4o-mini", user = customer, messages = new[] { new { role = "user", content = "x" } } },
            _ => Chat(),
        };
        using HttpRequestMessage request = tenant.Request(HttpMethod.Post, "/v1/chat/completions", body);
        if (source == "header")
            request.Headers.Add("x-nemo-customer-id", customer);
        using HttpResponseMessage response = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Guid requestId = Guid.Parse(response.Headers.GetValues("x-nemo-request-id").Single());
        Assert.Equal(customer, await fixture.Database.ScalarAsync<string>("SELECT customer_id FROM nemo.usage_events WHERE request_id = @id", ("id", requestId)));
    }

    [Fact]
    public async Task CustomerBudget_IsEnforced()
    {
        Tenant tenant = await Tenant.CreateAsync(Client, credits: 1m);
        using (HttpResponseMessage put = await Client.SendAsync(tenant.Request(HttpMethod.Put, "/v1/budgets/customer/acme-user",
            new { limit = 0.0001, period = "daily" })))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        object body = new { model = "gpt-4o-mini", user = "acme-user", max_tokens = 10, messages = new[] { new { role = "user", content = "x" } } };
        int admitted = 0;
        for (int i = 0; i < 30; i++)
        {
            using HttpResponseMessage response = await Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions", body));
            if (response.StatusCode == HttpStatusCode.OK)
                admitted++;
            else
                Assert.Equal("budget_exceeded", (await ErrorOf(response)).GetProperty("code").GetString());
        }
        Assert.InRange(admitted, 1, 29);
        long spent = await fixture.Database.ScalarAsync<long>(
            "SELECT coalesce(sum(cost), 0)::bigint FROM nemo.usage_events WHERE organization_id = @org AND customer_id = 'acme-user'", ("org", tenant.OrganizationId));
        Assert.True(spent <= 100_000, $"customer spent {spent} nanos over a 100,000-nano budget");
    }

    [Fact]
    public async Task ViewerKey_Returns403()
    {
        Tenant tenant = await Tenant.CreateAsync(Client, credits: 1m);
        await fixture.Database.ExecuteAsync("UPDATE nemo.memberships SET role = 'viewer' WHERE organization_id = @org", ("org", tenant.OrganizationId));
        await fixture.Host.Get<Nemo.Gateway.Keys.ApiKeyCache>().ReloadOrganizationAsync(tenant.OrganizationId, CancellationToken.None);
        Guid keyId = await tenant.KeyIdAsync(fixture.Database);
        await fixture.Host.Get<OrganizationCalls>().RefreshAsync(tenant.OrganizationId, new ScopeChange(ScopeChangeKind.Key, keyId.ToString()), CancellationToken.None);
        using HttpResponseMessage response = await Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions", Chat()));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("role_forbidden", (await ErrorOf(response)).GetProperty("code").GetString());
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");
}
