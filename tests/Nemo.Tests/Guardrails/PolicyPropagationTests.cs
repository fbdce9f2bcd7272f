using System.Text.Json;
using Nemo.Tests.Admin;

namespace Nemo.Tests.Guardrails;

/// <summary>
/// Guardrail and template changes made on one gateway reach a second gateway's request path by NOTIFY
/// (milliseconds; the bound here only keeps a loaded test machine from failing the test), with no database
/// read on the request path.
/// </summary>
public sealed class PolicyPropagationTests(KeyTests.TwoGateways cluster) : IClassFixture<KeyTests.TwoGateways>
{
    [Fact]
    public async Task AGuardrailAndALabelMove_ReachTheOtherGateway()
    {
        HttpClient first = cluster.Host.Client, second = cluster.Second;
        AdminWorld world = await AdminWorld.CreateAsync(first, cluster.Database, credits: 1m);
        Assert.Equal(200, (await second.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key, AdminHttp.Chat("about zephyr"))).Status);

        (int status, JsonElement created, string text) = await first.SendAsync(HttpMethod.Post, "/v1/guardrails", world.Admin.Key,
            new { name = "zephyr", kind = "keywords", action = "block", config = new { keywords = new[] { "zephyr" } } });
        Assert.True(status == 201, text);
        await Eventually.TrueAsync(async () => (await second.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key, AdminHttp.Chat("about zephyr"))).Status == 400,
            "the second gateway to apply the new guardrail", 5);

        Assert.Equal(200, (await first.SendAsync(HttpMethod.Patch, $"/v1/guardrails/{created.GetProperty("id").GetGuid()}", world.Admin.Key, new { enabled = false })).Status);
        await Eventually.TrueAsync(async () => (await second.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key, AdminHttp.Chat("about zephyr"))).Status == 200,
            "the second gateway to drop the disabled guardrail", 5);

        // A prompt made on the first gateway is usable on the second, and a label move follows.
        (status, created, text) = await first.SendAsync(HttpMethod.Post, "/v1/prompts", world.Owner.Key, new { name = "p", template = "one" });
        Assert.True(status == 201, text);
        Guid prompt = created.GetProperty("id").GetGuid();
        await first.SendAsync(HttpMethod.Post, $"/v1/prompts/{prompt}/versions", world.Owner.Key, new { template = "two {{x}}" });
        await first.SendAsync(HttpMethod.Put, $"/v1/prompts/{prompt}/labels/production", world.Owner.Key, new { version = 1 });
        object request = new { model = "gpt-4o-mini", max_tokens = 5, prompt = new { id = prompt, version = "production" }, messages = new[] { new { role = "user", content = "hi" } } };
        await Eventually.TrueAsync(async () => (await second.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key, request)).Status == 200,
            "the second gateway to know the template and its label", 5);
        await first.SendAsync(HttpMethod.Put, $"/v1/prompts/{prompt}/labels/production", world.Owner.Key, new { version = 2 });
        // Version 2 needs a variable that the request doesn't give: the moved label shows as a 400.
        await Eventually.TrueAsync(async () => (await second.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key, request)).Status == 400,
            "the second gateway to follow the label to version 2", 5);
    }
}
