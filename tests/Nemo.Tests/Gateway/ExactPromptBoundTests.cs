using System.Net;
using System.Text;
using System.Text.Json;
using Nemo.Cluster.Calls;
using Nemo.FakeUpstream;
using Nemo.Grains.Contracts;
using Nemo.Grains.Spend;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Gateway;

/// <summary>
/// Two deployments of the same provider model at 1,000 USD per million input tokens (a token is a millionth of a
/// dollar's thousandth: 10^6 nanos), one configured with o200k_base and one without a tokenizer.
/// </summary>
public sealed class ExactPromptBoundFixture : NemoHostFixture
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Nemo:Providers:fake:Models:gpt-4o:InputPerMillion"] = "1000",
        ["Nemo:Providers:fake:Models:gpt-4o:OutputPerMillion"] = "0",
        ["Nemo:Providers:fake:Models:gpt-4o:OutputCap"] = "100",
        ["Nemo:Providers:fake:Models:gpt-4o:Tokenizer"] = "o200k_base",
        ["Nemo:Providers:fake:Models:gpt-4o-bytes:InputPerMillion"] = "1000",
        ["Nemo:Providers:fake:Models:gpt-4o-bytes:OutputPerMillion"] = "0",
        ["Nemo:Providers:fake:Models:gpt-4o-bytes:OutputCap"] = "100",
        ["Nemo:Providers:fake:Models:gpt-4o-bytes:UpstreamModel"] = "gpt-4o",
    };
}

/// <summary>A request near its organization's credits: admitted at its exact bound where the byte bound is refused, and billed what the provider counted.</summary>
public sealed class ExactPromptBoundTests(ExactPromptBoundFixture fixture) : IClassFixture<ExactPromptBoundFixture>
{
    private const long NanosPerToken = 1_000_000;

    [Fact]
    public async Task NearTheCredits_ExactBoundIsAdmitted_ByteBoundIsRefused_BilledWhatTheProviderCounted()
    {
        var text = new StringBuilder("Please summarise these notes for the quarterly review. ");
        string[] words = ["the", "report", "shows", "growth", "in", "revenue", "and", "a", "decline", "of", "costs", "across", "regions"];
        for (int i = 0; text.Length < 1500; i++)
            text.Append(words[i % words.Length]).Append(i % 9 == 0 ? ".\n\n" : "   ");
        object Body(string model) => new
        {
            model,
            max_tokens = 5,
            user = FakeOverrides.User(promptTokenizer: OpenAITokenAccounting.O200kBase), // the fake counts like OpenAI
            messages = new object[] { new { role = "system", content = "Be brief." }, new { role = "user", content = text.ToString() } },
        };
        using JsonDocument sent = JsonDocument.Parse(JsonSerializer.Serialize(Body("gpt-4o")));
        Assert.True(OpenAITokenAccounting.TryGet(OpenAITokenAccounting.O200kBase, out OpenAITokenAccounting openAI));
        long counted = openAI.CountChat(sent.RootElement.GetProperty("messages"), null);
        long bound = counted + 2; // Nemo's 4 per message against OpenAI's 3 (docs/decisions/0024-exact-prompt-bounds.md)
        long bodyBytes = Encoding.UTF8.GetByteCount(sent.RootElement.GetRawText());
        Assert.True(bodyBytes > 3 * bound, $"{bodyBytes} bytes, bound {bound}");

        // Credits for the exact bound and 50 tokens more: far less than the byte bound.
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: (bound + 50) * NanosPerToken / 1_000_000_000m);

        using HttpResponseMessage refused = await fixture.Host.Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions", Body("gpt-4o-bytes")));
        Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);

        using HttpResponseMessage admitted = await fixture.Host.Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions", Body("gpt-4o")));
        string answer = await admitted.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        using JsonDocument completion = JsonDocument.Parse(answer);
        Assert.Equal(counted, completion.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt64());

        Guid requestId = Guid.Parse(admitted.Headers.GetValues("x-nemo-request-id").Single());
        CreditsView credits = await fixture.Host.Get<OrganizationCalls>().GetCreditsAsync(tenant.OrganizationId, CancellationToken.None);
        Assert.Equal(counted * NanosPerToken, credits.Spent); // output is free here: the prompt's tokens, exactly
        Assert.Equal(0, credits.Reserved);
        Assert.Equal(counted, await fixture.Database.ScalarAsync<long>("SELECT prompt_tokens FROM nemo.usage_events WHERE request_id = @id", ("id", requestId)));
        int flags = await fixture.Database.ScalarAsync<int>("SELECT flags FROM nemo.usage_events WHERE request_id = @id", ("id", requestId));
        Assert.Equal(UsageFlags.None, (UsageFlags)flags & (UsageFlags.TokensCapped | UsageFlags.CostCapped | UsageFlags.Estimated));
    }
}
