using System.Text.Json;
using Nemo.Tests.Admin;
using Nemo.Tests.Guardrails;

namespace Nemo.Tests.Experiments;

/// <summary>
/// A/B tests end to end: variants by model and by template version, sticky per customer, one running
/// experiment per model, start and stop, and results per variant that add up to the usage ledger.
/// </summary>
public sealed class ExperimentProxyTests(PolicyHostFixture fixture) : IClassFixture<PolicyHostFixture>
{
    private HttpClient Client => fixture.Host.Client;

    [Fact]
    public async Task ModelExperiment_IsStickyPerCustomer_AndResultsAddUpToTheLedger()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 5m);
        Guid id = await fixture.CreateAsync("/v1/experiments", world.Admin.Key, new
        {
            name = "mini vs echo", status = "running", sticky_by = "customer", match = new { model = "gpt-4o-mini" },
            variants = new object[] { new { name = "control", weight = 50 }, new { name = "echo", weight = 50, model = "echo" } },
        });
        (int conflict, JsonElement body, _) = await Client.SendAsync(HttpMethod.Post, "/v1/experiments", world.Owner.Key, new
        {
            name = "second", status = "running", match = new { model = "gpt-4o-mini" },
            variants = new object[] { new { name = "a", weight = 1 }, new { name = "b", weight = 1 } },
        });
        Assert.Equal((409, "experiment_conflict"), (conflict, body.Code()));

        var byCustomer = new Dictionary<string, HashSet<string>>();
        for (int c = 0; c < 12; c++)
        {
            for (int r = 0; r < 3; r++)
            {
                using HttpRequestMessage request = AdminHttp.Request(HttpMethod.Post, "/v1/chat/completions", world.Member.Key, AdminHttp.Chat($"customer {c} says hi"));
                request.Headers.Add("x-nemo-customer-id", $"customer-{c}");
                using HttpResponseMessage response = await Client.SendAsync(request);
                Assert.Equal(200, (int)response.StatusCode);
                using JsonDocument answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                string content = answer.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
                (byCustomer.TryGetValue($"customer-{c}", out var seen) ? seen : byCustomer[$"customer-{c}"] = []).Add(content == $"customer {c} says hi" ? "echo" : "control");
            }
        }
        Assert.All(byCustomer.Values, variants => Assert.Single(variants)); // sticky: one variant per customer
        Assert.Equal(2, byCustomer.Values.Select(v => v.Single()).Distinct().Count()); // 12 customers at 50/50 land in both
        Assert.Equal(36L, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM nemo.usage_events WHERE organization_id = @org AND experiment_id = @id AND (experiment_variant = 'echo') = (model = 'echo')",
            ("org", world.OrganizationId), ("id", id)));
        // A request failing before the upstream is still counted for its variant (an error).
        Assert.Equal(400, (await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key,
            new { model = "gpt-4o-mini", max_tokens = 0, messages = new[] { new { role = "user", content = "x" } } })).Status);

        (int status, JsonElement results, string text) = await Client.SendAsync(HttpMethod.Get, $"/v1/experiments/{id}/results", world.Viewer.Key);
        Assert.True(status == 200, text);
        JsonElement[] rows = [.. results.GetProperty("data").EnumerateArray()];
        Assert.Equal(["control", "echo"], rows.Select(r => r.GetProperty("variant").GetString()));
        (long requests, long prompt, long completion, decimal cost) = await LedgerAsync(world.OrganizationId, id);
        Assert.Equal(requests, rows.Sum(r => r.GetProperty("requests").GetInt64() - r.GetProperty("errors").GetInt64()));
        Assert.Equal(prompt, rows.Sum(r => r.GetProperty("prompt_tokens").GetInt64()));
        Assert.Equal(completion, rows.Sum(r => r.GetProperty("completion_tokens").GetInt64()));
        Assert.Equal(cost, rows.Sum(r => r.GetProperty("cost").GetDecimal()));
        Assert.All(rows, r => Assert.True(r.GetProperty("latency_p50_ms").GetInt64() <= r.GetProperty("latency_p95_ms").GetInt64()));

        // Stopped, it tags nothing more.
        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Patch, $"/v1/experiments/{id}", world.Owner.Key, new { status = "stopped" })).Status);
        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key, AdminHttp.Chat())).Status);
        Assert.Equal(requests, (await LedgerAsync(world.OrganizationId, id)).Requests);
    }

    private async Task<(long Requests, long Prompt, long Completion, decimal Cost)> LedgerAsync(Guid organization, Guid experiment)
    {
        string row = await fixture.Database.ScalarAsync<string>(
            "SELECT concat_ws(',', count(*), coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0), coalesce(sum(cost), 0)) FROM nemo.usage_events WHERE organization_id = @org AND experiment_id = @id",
            ("org", organization), ("id", experiment));
        long[] v = [.. row.Split(',').Select(long.Parse)];
        return (v[0], v[1], v[2], v[3] / 1_000_000_000m);
    }

    [Fact]
    public async Task TemplateExperiment_PinsTheVersionPerVariant()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        Guid prompt = await fixture.CreateAsync("/v1/prompts", world.Owner.Key, new { name = "p", template = new[] { new { role = "user", content = "one {{x}}" } } });
        Assert.Equal(201, (await Client.SendAsync(HttpMethod.Post, $"/v1/prompts/{prompt}/versions", world.Owner.Key, new { template = new[] { new { role = "user", content = "two {{x}}" } } })).Status);
        Assert.Equal(400, (await Client.SendAsync(HttpMethod.Post, "/v1/experiments", world.Owner.Key, new
        {
            name = "bad", match = new { prompt_id = prompt },
            variants = new object[] { new { name = "v1", weight = 1, prompt_version = 1 }, new { name = "v9", weight = 1, prompt_version = 9 } },
        })).Status);
        Guid id = await fixture.CreateAsync("/v1/experiments", world.Owner.Key, new
        {
            name = "wording", status = "running", match = new { prompt_id = prompt },
            variants = new object[] { new { name = "v1", weight = 1, prompt_version = 1 }, new { name = "v2", weight = 1, prompt_version = 2 } },
        });

        var answers = new Dictionary<string, string>();
        for (int c = 0; c < 10; c++)
        {
            (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key,
                new { model = "echo", max_tokens = 20, user = $"u{c}", prompt = new { id = prompt, version = "1", variables = new { x = "y" } } });
            Assert.True(status == 200, text);
            answers[$"u{c}"] = PolicyHostFixture.Answer(body);
        }
        Assert.Equal(["one y", "two y"], answers.Values.Distinct().Order()); // the variant's version wins over the request's
        string variants = await fixture.Database.ScalarAsync<string>(
            "SELECT string_agg(customer_id || '=' || experiment_variant, ',' ORDER BY customer_id) FROM nemo.usage_events WHERE organization_id = @org AND experiment_id = @id",
            ("org", world.OrganizationId), ("id", id));
        Assert.Equal(string.Join(',', answers.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={(a.Value == "one y" ? "v1" : "v2")}")), variants);
    }
}
