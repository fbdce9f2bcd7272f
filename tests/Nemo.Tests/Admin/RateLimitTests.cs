using System.Text.Json;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>
/// Open signup is limited per client address and overall (ASP.NET Core's rate limiter); failed
/// authentications are limited per client address. Each test uses loopback source addresses of its own.
/// </summary>
public sealed class RateLimitTests(RateLimitTests.Tight fixture) : IClassFixture<RateLimitTests.Tight>
{
    public sealed class Tight : NemoHostFixture
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Nemo:Signup:PermitsPerAddress"] = "2",
            ["Nemo:Signup:AddressWindow"] = "01:00:00",
            ["Nemo:Signup:PermitsOverall"] = "3",
            ["Nemo:Signup:OverallWindow"] = "01:00:00",
            ["Nemo:Auth:FailuresPerAddress"] = "5",
            ["Nemo:Auth:FailureWindow"] = "01:00:00",
        };
    }

    private static object Signup() => new { email = $"rl-{Guid.NewGuid():N}@example.com", organization_name = "Rate" };

    [Fact]
    public async Task Signup_IsLimitedPerAddress_ThenOverall_ButNotForTheOperator()
    {
        using HttpClient first = LoopbackClients.From("127.0.0.2", fixture.Host.GatewayUrl);
        using HttpClient second = LoopbackClients.From("127.0.0.3", fixture.Host.GatewayUrl);
        using HttpClient third = LoopbackClients.From("127.0.0.4", fixture.Host.GatewayUrl);

        Assert.Equal(202, (await first.SendAsync(HttpMethod.Post, "/v1/signup", null, Signup())).Status);
        Assert.Equal(202, (await first.SendAsync(HttpMethod.Post, "/v1/signup", null, Signup())).Status);
        using (HttpResponseMessage refused = await first.SendAsync(AdminHttp.Request(HttpMethod.Post, "/v1/signup", null, Signup())))
        {
            Assert.Equal(429, (int)refused.StatusCode);
            Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After is missing");
            using JsonDocument body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.Equal("signup_rate_limited", body.RootElement.Code());
        }
        Assert.Equal(202, (await second.SendAsync(HttpMethod.Post, "/v1/signup", null, Signup())).Status); // another address: its own window
        (int status, JsonElement overall, _) = await third.SendAsync(HttpMethod.Post, "/v1/signup", null, Signup()); // but 3 in all were allowed
        Assert.Equal(429, status);
        Assert.Equal("signup_rate_limited", overall.Code());
        Assert.Equal(429, (await third.SendAsync(HttpMethod.Post, "/v1/signup/verify", null, new { token = "nemo_ver_x.y" })).Status);

        Assert.Equal(201, (await third.SendAsync(HttpMethod.Post, "/v1/signup", NemoTestHost.MasterKey, Signup())).Status);
    }

    [Fact]
    public async Task FailedAuthentications_AreLimitedPerAddress_OnAdminAndLlmRoutes()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        using HttpClient attacker = LoopbackClients.From("127.0.0.5", fixture.Host.GatewayUrl);
        using HttpClient bystander = LoopbackClients.From("127.0.0.6", fixture.Host.GatewayUrl);
        string bad = "sk-nemo-" + new string('Z', 48);

        for (int i = 0; i < 5; i++)
            Assert.Equal(401, (await attacker.SendAsync(HttpMethod.Get, "/v1/credits", i % 2 == 0 ? bad : "sk-nemo-" + Guid.NewGuid().ToString("N") + "0123456789abcdef")).Status);

        (int status, JsonElement body, string text) = await attacker.SendAsync(HttpMethod.Get, "/v1/credits", bad);
        Assert.True(status == 429, text);
        Assert.Equal("too_many_failed_authentications", body.Code());
        Assert.Equal(429, (await attacker.SendAsync(HttpMethod.Post, "/v1/chat/completions", bad, AdminHttp.Chat())).Status);
        Assert.Equal(429, (await attacker.SendAsync(HttpMethod.Get, "/v1/credits", tenant.ApiKey)).Status); // the address is refused before any lookup

        Assert.Equal(200, (await bystander.SendAsync(HttpMethod.Get, "/v1/credits", tenant.ApiKey)).Status);
        Assert.Equal(401, (await bystander.SendAsync(HttpMethod.Get, "/v1/credits", bad)).Status);
    }
}
