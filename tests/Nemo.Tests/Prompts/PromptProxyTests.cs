using System.Text.Json;
using Nemo.Tests.Admin;
using Nemo.Tests.Guardrails;

namespace Nemo.Tests.Prompts;

/// <summary>
/// Prompt templates end to end: created, versioned and labelled through the admin API, rendered in the
/// gateway (the echo model answers the rendered user message), and the 400 / 404 cases.
/// </summary>
public sealed class PromptProxyTests(PolicyHostFixture fixture) : IClassFixture<PolicyHostFixture>
{
    private HttpClient Client => fixture.Host.Client;

    private static object Template(string word) => new object[]
    {
        new { role = "system", content = "You are {{persona}}." },
        new { role = "user", content = $"{word}: {{{{text}}}}" },
    };

    private async Task<(int Status, JsonElement Body, string Text)> UseAsync(string key, object prompt, object[]? messages = null) =>
        await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", key, messages is null
            ? new { model = "echo", max_tokens = 50, prompt }
            : new { model = "echo", max_tokens = 50, prompt, messages });

    [Fact]
    public async Task Versions_Labels_AndRendering()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        Guid id = await fixture.CreateAsync("/v1/prompts", world.Admin.Key, new { name = "translator", template = Template("Translate"), variables = new[] { "text", "persona" } });
        (int status, JsonElement v2, string text) = await Client.SendAsync(HttpMethod.Post, $"/v1/prompts/{id}/versions", world.Owner.Key, new { template = Template("Summarize") });
        Assert.True(status == 201, text);
        Assert.Equal(2, v2.GetProperty("version").GetInt32());
        (status, _, text) = await Client.SendAsync(HttpMethod.Put, $"/v1/prompts/{id}/labels/production", world.Owner.Key, new { version = 1 });
        Assert.True(status == 200, text);
        var variables = new { persona = "terse", text = "bonjour" };

        (status, JsonElement body, text) = await UseAsync(world.Member.Key, new { id, variables });
        Assert.True(status == 200, text);
        Assert.Equal("Summarize: bonjour", PolicyHostFixture.Answer(body)); // absent version: the latest
        Assert.Equal("Translate: bonjour", PolicyHostFixture.Answer((await UseAsync(world.Member.Key, new { id, version = "production", variables })).Body));
        Assert.Equal("Translate: bonjour", PolicyHostFixture.Answer((await UseAsync(world.Member.Key, new { id, version = "1", variables })).Body));
        Assert.Equal("Summarize: bonjour", PolicyHostFixture.Answer((await UseAsync(world.Member.Key, new { id, version = 2, variables })).Body));
        // The rendered messages come first; the request's own follow (the echo answers the last user message).
        Assert.Equal("and mine", PolicyHostFixture.Answer((await UseAsync(world.Member.Key, new { id, variables }, [new { role = "user", content = "and mine" }])).Body));

        // Moving the label reaches the request path at once.
        await Client.SendAsync(HttpMethod.Put, $"/v1/prompts/{id}/labels/production", world.Owner.Key, new { version = 2 });
        Assert.Equal("Summarize: bonjour", PolicyHostFixture.Answer((await UseAsync(world.Member.Key, new { id, version = "production", variables })).Body));

        (status, JsonElement read, _) = await Client.SendAsync(HttpMethod.Get, $"/v1/prompts/{id}", world.Viewer.Key);
        Assert.Equal(200, status);
        Assert.Equal(2, read.GetProperty("versions").GetArrayLength());
        Assert.Equal(2, read.GetProperty("labels").GetProperty("production").GetInt32());
        Assert.Equal(["prompt.create", "prompt.version", "prompt.label", "prompt.label"], await fixture.Database.ScalarAsync<string[]>(
            "SELECT array_agg(action ORDER BY id) FROM nemo.audit_log WHERE organization_id = @org AND action LIKE 'prompt.%'", ("org", world.OrganizationId)));
    }

    [Fact]
    public async Task ResponsesApi_RendersTheTemplateToo()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        Guid id = await fixture.CreateAsync("/v1/prompts", world.Admin.Key, new { name = "responder", template = Template("Translate"), variables = new[] { "text", "persona" } });

        (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/responses", world.Member.Key,
            new { model = "echo", max_output_tokens = 50, prompt = new { id, variables = new { persona = "terse", text = "hola" } } });

        Assert.True(status == 200, text);
        Assert.Equal("Translate: hola", body.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        (status, _, text) = await Client.SendAsync(HttpMethod.Post, "/v1/responses", world.Member.Key,
            new { model = "echo", max_output_tokens = 50, prompt = new { id, variables = new { persona = "terse" } } });
        Assert.True(status == 400, text); // a missing variable, as on chat completions
    }

    [Fact]
    public async Task BadUses_Answer400_AnotherOrganizationsTemplateIsNotThere()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        AdminWorld other = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        Guid id = await fixture.CreateAsync("/v1/prompts", world.Owner.Key, new { name = "greeter", template = "Greet {{name}}" });
        Guid theirs = await fixture.CreateAsync("/v1/prompts", other.Owner.Key, new { name = "greeter", template = "Greet {{name}}" });

        async Task ExpectAsync(object prompt, string code)
        {
            (int status, JsonElement body, string text) = await UseAsync(world.Member.Key, prompt, [new { role = "user", content = "hi" }]);
            Assert.True(status == 400, text);
            Assert.Equal(code, body.Code());
        }
        await ExpectAsync(new { id }, "invalid_prompt_variables"); // missing
        await ExpectAsync(new { id, variables = new { name = "a", extra = "b" } }, "invalid_prompt_variables");
        await ExpectAsync(new { id, variables = new { name = 5 } }, "invalid_value");
        await ExpectAsync(new { id, version = "7", variables = new { name = "a" } }, "prompt_version_not_found");
        await ExpectAsync(new { id, version = "staging", variables = new { name = "a" } }, "prompt_version_not_found");
        await ExpectAsync(new { id = Guid.NewGuid(), variables = new { name = "a" } }, "prompt_not_found");
        await ExpectAsync(new { id = theirs, variables = new { name = "a" } }, "prompt_not_found");
        await ExpectAsync(new { id = "not-a-uuid" }, "missing_required_parameter");
        await ExpectAsync(new { id, variables = new { name = "a" }, label = "x" }, "unknown_parameter");

        // An organization with no template at all refuses the field too (it is never forwarded upstream).
        Infrastructure.Tenant bare = await Infrastructure.Tenant.CreateAsync(Client, credits: 1m);
        (int bareStatus, JsonElement bareBody, _) = await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", bare.ApiKey,
            new { model = "echo", max_tokens = 5, prompt = new { id = theirs, variables = new { name = "a" } }, messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal((400, "prompt_not_found"), (bareStatus, bareBody.Code()));

        Assert.Equal(404, (await Client.SendAsync(HttpMethod.Get, $"/v1/prompts/{theirs}", world.Owner.Key)).Status);
        Assert.Equal(404, (await Client.SendAsync(HttpMethod.Post, $"/v1/prompts/{theirs}/versions", world.Owner.Key, new { template = "x" })).Status);
        Assert.Equal(404, (await Client.SendAsync(HttpMethod.Put, $"/v1/prompts/{theirs}/labels/prod", world.Owner.Key, new { version = 1 })).Status);
        Assert.Equal(400, (await Client.SendAsync(HttpMethod.Put, $"/v1/prompts/{id}/labels/prod", world.Owner.Key, new { version = 2 })).Status);
        Assert.Equal(400, (await Client.SendAsync(HttpMethod.Put, $"/v1/prompts/{id}/labels/3", world.Owner.Key, new { version = 1 })).Status);
        Assert.Equal(400, (await Client.SendAsync(HttpMethod.Post, "/v1/prompts", world.Owner.Key, new { name = "bad", template = "Hi {{name}}", variables = new[] { "other" } })).Status);
        Assert.Equal(409, (await Client.SendAsync(HttpMethod.Post, "/v1/prompts", world.Owner.Key, new { name = "GREETER", template = "x" })).Status);
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.usage_events WHERE organization_id = @org", ("org", world.OrganizationId)));

        // A version can't be changed, even by the tenant role with SQL access to the table.
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => fixture.Database.ExecuteAsync(
            $"BEGIN; SET LOCAL ROLE nemo_app; SELECT set_config('nemo.organization_id', '{world.OrganizationId}', true); UPDATE nemo.prompt_versions SET template = '\"x\"' WHERE prompt_id = '{id}'; COMMIT;"));
    }
}
