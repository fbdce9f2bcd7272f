using System.Diagnostics.Metrics;
using System.Text.Json;
using Nemo.FakeUpstream;
using Nemo.Tests.Admin;

namespace Nemo.Tests.Guardrails;

/// <summary>
/// Guardrails on the proxied routes, end to end: redaction reaches the upstream (the echo model answers
/// what it received), a block calls nothing and bills nothing, output rules on non-streamed answers, flags
/// on streams, scopes, the request log and the metric; and the admin API that writes them.
/// </summary>
public sealed class GuardrailProxyTests(PolicyHostFixture fixture) : IClassFixture<PolicyHostFixture>
{
    private HttpClient Client => fixture.Host.Client;

    private FakeUpstreamStats Upstream => (FakeUpstreamStats)fixture.Host.Upstream.Services.GetService(typeof(FakeUpstreamStats))!;

    private Task<long> CountAsync(string sql, Guid organization) => fixture.Database.ScalarAsync<long>(sql, ("org", organization));

    private Task<Guid[]> HitsAsync(Guid organization) => fixture.Database.ScalarAsync<Guid[]>(
        "SELECT coalesce(array_agg(h ORDER BY h), '{}') FROM nemo.usage_events, unnest(guardrail_hits) h WHERE organization_id = @org", ("org", organization));

    [Fact]
    public async Task Redact_TheUpstreamSeesTheMasks()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        Guid rule = await fixture.CreateAsync("/v1/guardrails", world.Admin.Key, new
        {
            name = "no pii upstream", kind = "pii", action = "redact", applies_to = "input", config = new { entities = new[] { "email", "card" } },
        });

        (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key,
            PolicyHostFixture.EchoChat("mail ann@example.com, card 4111 1111 1111 1111 (not 4111 1111 1111 1112)"));

        Assert.True(status == 200, text);
        Assert.Equal("mail [REDACTED:EMAIL], card [REDACTED:CARD] (not 4111 1111 1111 1112)", PolicyHostFixture.Answer(body));
        Assert.Equal([rule], await HitsAsync(world.OrganizationId));
        Assert.DoesNotContain("ann@example.com", await fixture.Database.ScalarAsync<string>(
            "SELECT coalesce(string_agg(x::text, ''), '') FROM nemo.usage_events x WHERE organization_id = @org", ("org", world.OrganizationId)));
        (_, JsonElement logs, _) = await Client.SendAsync(HttpMethod.Get, "/v1/logs", world.Viewer.Key);
        Assert.Equal(rule, logs.GetProperty("data")[0].GetProperty("guardrail_hits")[0].GetGuid());
    }

    [Fact]
    public async Task Block_CallsNothing_BillsNothing_AndTheLogNamesTheRule()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        Guid rule = await fixture.CreateAsync("/v1/guardrails", world.Owner.Key, new
        {
            name = "codename", kind = "keywords", action = "block", config = new { keywords = new[] { "Project Falcon" } },
        });
        (_, JsonElement creditsBefore, _) = await Client.SendAsync(HttpMethod.Get, "/v1/credits", world.Owner.Key);
        long chatsBefore = Upstream.ChatCompletions;

        (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key,
            PolicyHostFixture.EchoChat("what is project falcon?"));

        Assert.True(status == 400, text);
        Assert.Equal("guardrail_violation", body.Code());
        Assert.Equal(rule.ToString(), body.Error().GetProperty("param").GetString());
        Assert.DoesNotContain("falcon", text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(chatsBefore, Upstream.ChatCompletions);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM nemo.usage_events WHERE organization_id = @org", world.OrganizationId));
        (_, JsonElement creditsAfter, _) = await Client.SendAsync(HttpMethod.Get, "/v1/credits", world.Owner.Key);
        Assert.Equal(creditsBefore.GetRawText(), creditsAfter.GetRawText());
        await Eventually.TrueAsync(async () => await CountAsync(
            "SELECT count(*) FROM nemo.request_failures WHERE organization_id = @org AND error_code = 'guardrail_violation' AND status_code = 400 AND guardrail_hits = ARRAY['"
            + rule + "'::uuid]", world.OrganizationId) == 1, "the blocked request is in the request log with its rule");

        // Other words pass; embeddings and completions are guarded too.
        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key, PolicyHostFixture.EchoChat("what is a falcon?"))).Status);
        Assert.Equal(400, (await Client.SendAsync(HttpMethod.Post, "/v1/embeddings", world.Member.Key,
            new { model = "text-embedding-3-small", input = new[] { "fine", "PROJECT FALCON" } })).Status);
        Assert.Equal(400, (await Client.SendAsync(HttpMethod.Post, "/v1/completions", world.Member.Key,
            new { model = "gpt-3.5-turbo-instruct", prompt = "about Project Falcon", max_tokens = 5 })).Status);
    }

    [Fact]
    public async Task OutputRules_RedactOrWithholdANonStreamedAnswer()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        await fixture.CreateAsync("/v1/guardrails", world.Owner.Key, new
        {
            name = "ssn out", kind = "pii", action = "redact", applies_to = "output", config = new { entities = new[] { "ssn" } },
        });
        Guid block = await fixture.CreateAsync("/v1/guardrails", world.Owner.Key, new
        {
            name = "no keys out", kind = "regex", action = "block", applies_to = "output", config = new { pattern = "sk-[a-z]{8}" },
        });

        (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key,
            PolicyHostFixture.EchoChat("repeat 123-45-6789"));
        Assert.True(status == 200, text);
        Assert.Equal("repeat [REDACTED:SSN]", PolicyHostFixture.Answer(body)); // the input passed as it was; the client got the mask

        (status, body, text) = await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key, PolicyHostFixture.EchoChat("say sk-abcdefgh"));
        Assert.True(status == 400, text);
        Assert.Equal((block.ToString(), "guardrail_violation"), (body.Error().GetProperty("param").GetString(), body.Code()));
        Assert.DoesNotContain("abcdefgh", text);
        // The provider produced the answer, so it is billed (status 400 in the ledger) — decision 0014.
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM nemo.usage_events WHERE organization_id = @org AND status_code = 400 AND cost > 0", world.OrganizationId));
    }

    [Fact]
    public async Task Flag_OnlyRecords_AlsoOnStreams_AndScopesNarrowRules()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        Guid flag = await fixture.CreateAsync("/v1/guardrails", world.Owner.Key, new
        {
            name = "lorem watch", kind = "keywords", action = "flag", applies_to = "output", config = new { keywords = new[] { "lorem" } },
        });
        Guid keyOnly = await fixture.CreateAsync("/v1/guardrails", world.Owner.Key, new
        {
            name = "viewer key only", kind = "keywords", action = "block", config = new { keywords = new[] { "hello" } }, key_id = world.Viewer.KeyId,
        });

        using var stream = AdminHttp.Request(HttpMethod.Post, "/v1/chat/completions", world.Member.Key,
            new { model = "gpt-4o-mini", max_tokens = 5, stream = true, messages = new[] { new { role = "user", content = "hello" } } });
        using HttpResponseMessage response = await Client.SendAsync(stream);
        string events = await response.Content.ReadAsStringAsync();
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Contains("lorem", events); // flag changes nothing the client sees
        Assert.EndsWith("data: [DONE]\n\n", events);
        Assert.Equal([flag], await HitsAsync(world.OrganizationId));

        // The key-scoped block applies to the viewer's key only (viewers can't call the API; its team's member key passes).
        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key, AdminHttp.Chat("hello"))).Status);
        await Client.SendAsync(HttpMethod.Patch, $"/v1/guardrails/{keyOnly}", world.Owner.Key, new { key_id = world.Member.KeyId });
        (int status, JsonElement body, _) = await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key, AdminHttp.Chat("hello"));
        Assert.Equal((400, "guardrail_violation"), (status, body.Code()));
        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Admin.Key, AdminHttp.Chat("hello"))).Status);

        // Disabled, it stops applying at once; deleted, it is gone.
        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Patch, $"/v1/guardrails/{keyOnly}", world.Owner.Key, new { enabled = false })).Status);
        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key, AdminHttp.Chat("hello"))).Status);
        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Delete, $"/v1/guardrails/{keyOnly}", world.Owner.Key)).Status);
        Assert.Equal(404, (await Client.SendAsync(HttpMethod.Get, $"/v1/guardrails/{keyOnly}", world.Viewer.Key)).Status);
        Assert.Equal(["guardrail.create", "guardrail.create", "guardrail.update", "guardrail.update", "guardrail.delete"],
            await fixture.Database.ScalarAsync<string[]>("SELECT array_agg(action ORDER BY id) FROM nemo.audit_log WHERE organization_id = @org AND action LIKE 'guardrail.%'",
                ("org", world.OrganizationId)));
    }

    [Fact]
    public async Task Hits_AreCountedInTheMetric_ByKindActionAndStage()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        var seen = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "nemo.gateway.guardrail.hits")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var map = tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString());
            seen.Add($"{map["kind"]}/{map["action"]}/{map["stage"]}={value}");
        });
        listener.Start();
        await fixture.CreateAsync("/v1/guardrails", world.Owner.Key, new { name = "ip", kind = "pii", action = "flag", config = new { entities = new[] { "ip" } } });

        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key, AdminHttp.Chat("from 10.1.2.3"))).Status);

        Assert.Contains("pii/flag/input=1", seen);
    }

    [Theory]
    [InlineData("{\"name\":\"x\",\"kind\":\"pii\",\"action\":\"block\",\"config\":{\"entities\":[\"dna\"]}}", "config")]
    [InlineData("{\"name\":\"x\",\"kind\":\"regex\",\"action\":\"block\",\"config\":{\"pattern\":\"(a)\\\\1\"}}", "config")]
    [InlineData("{\"name\":\"x\",\"kind\":\"virus\",\"action\":\"block\",\"config\":{}}", "kind")]
    [InlineData("{\"name\":\"x\",\"kind\":\"pii\",\"action\":\"shout\",\"config\":{}}", "action")]
    [InlineData("{\"name\":\"x\",\"kind\":\"pii\",\"action\":\"flag\",\"applies_to\":\"nowhere\",\"config\":{}}", "applies_to")]
    [InlineData("{\"name\":\"x\",\"kind\":\"pii\",\"action\":\"flag\"}", "config")]
    [InlineData("{\"name\":\"x\",\"kind\":\"keywords\",\"action\":\"flag\",\"config\":{\"keywords\":[\"a\\u0000\"]}}", null)]
    [InlineData("{\"name\":\"x\",\"kind\":\"pii\",\"action\":\"flag\",\"config\":{},\"colour\":1}", "colour")]
    public async Task BadRules_Answer400_AndChangeNothing(string json, string? param)
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        string before = await world.FingerprintAsync(fixture.Database);
        (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/guardrails", world.Owner.Key, json);
        Assert.True(status == 400, text);
        if (param is not null)
            Assert.Equal(param, body.Error().GetProperty("param").GetString());
        Assert.Equal(before, await world.FingerprintAsync(fixture.Database));
    }

    [Fact]
    public async Task AnotherOrganizationsTeamOrKey_CannotScopeARule()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        AdminWorld other = await AdminWorld.CreateAsync(Client, fixture.Database);
        (int status, _, _) = await Client.SendAsync(HttpMethod.Post, "/v1/guardrails", world.Owner.Key,
            new { name = "x", kind = "pii", action = "flag", config = new { }, team_id = other.TeamId });
        Assert.Equal(404, status);
        (status, _, _) = await Client.SendAsync(HttpMethod.Post, "/v1/guardrails", world.Owner.Key,
            new { name = "x", kind = "pii", action = "flag", config = new { }, key_id = other.Owner.KeyId });
        Assert.Equal(404, status);
    }
}
