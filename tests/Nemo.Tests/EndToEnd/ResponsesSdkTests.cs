using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using Nemo.Tests.Infrastructure;
using OpenAI;
using OpenAI.Responses;

namespace Nemo.Tests.EndToEnd;

/// <summary>
/// The official OpenAI .NET SDK's Responses client against <c>POST /v1/responses</c>: plain and streamed,
/// function-call turns, billed exactly like the chat completions they are translated to; what Nemo can't
/// do (stored responses, hosted tools) is a 400 before any provider.
/// </summary>
#pragma warning disable OPENAI001 // the Responses client is marked experimental in the SDK
public sealed class ResponsesSdkTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private Nemo.FakeUpstream.FakeUpstreamStats Upstream =>
        (Nemo.FakeUpstream.FakeUpstreamStats)fixture.Host.Upstream.Services.GetService(typeof(Nemo.FakeUpstream.FakeUpstreamStats))!;

    private ResponsesClient Client(string key) => new OpenAIClient(new ApiKeyCredential(key), new OpenAIClientOptions
    {
        Endpoint = new Uri(fixture.Host.GatewayUrl + "/v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    }).GetResponsesClient();

    private Task<long> EventsAsync(Tenant tenant) => fixture.Database.ScalarAsync<long>(
        "SELECT count(*) FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId));

    [Fact]
    public async Task Response_Completes_AndIsBilledOnce()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);

        ResponseResult response = await Client(tenant.ApiKey).CreateResponseAsync(new CreateResponseOptions("gpt-4o-mini",
            [ResponseItem.CreateUserMessageItem("Say hello")])
        {
            Instructions = "Be terse.",
            MaxOutputTokenCount = 64,
            Metadata = { ["trace"] = "t-1" },
        });

        Assert.StartsWith("resp_", response.Id);
        Assert.Equal(ResponseStatus.Completed, response.Status);
        Assert.False(string.IsNullOrWhiteSpace(response.GetOutputText()));
        Assert.Single(response.Instructions); // echoed back (the SDK reads it as a developer message)
        Assert.Equal("t-1", response.Metadata["trace"]);
        Assert.True(response.Usage.InputTokenCount > 0);
        Assert.True(response.Usage.OutputTokenCount > 0);
        Assert.Equal(1, await EventsAsync(tenant));
        Assert.Equal((long)response.Usage.InputTokenCount + response.Usage.OutputTokenCount, await fixture.Database.ScalarAsync<long>(
            "SELECT prompt_tokens + completion_tokens FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId)));
    }

    [Fact]
    public async Task Response_Streams_TextDeltasThenIncompleteAtTheTokenLimit_WithUsage()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        var text = new StringBuilder();
        var sequence = new List<int>();
        ResponseResult? completed = null;
        bool created = false;

        AsyncStreamingResult<StreamingResponseUpdate> updates = await Client(tenant.ApiKey).CreateResponseStreamingAsync(new CreateResponseOptions("gpt-4o-mini",
            [ResponseItem.CreateUserMessageItem("Count")]) { MaxOutputTokenCount = 5, StreamingEnabled = true });
        await foreach (StreamingResponseUpdate update in updates)
        {
            sequence.Add(update.SequenceNumber);
            if (update is StreamingResponseCreatedUpdate)
                created = true;
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
                text.Append(delta.Delta);
            if (update is StreamingResponseCompletedUpdate)
                Assert.Fail("the output was cut at max_output_tokens: the stream ends with response.incomplete");
            if (update is StreamingResponseIncompleteUpdate done)
                completed = done.Response;
        }

        Assert.True(created);
        Assert.Equal(Enumerable.Range(0, sequence.Count), sequence);
        Assert.Equal(5, text.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.NotNull(completed);
        Assert.Equal(ResponseStatus.Incomplete, completed.Status);
        Assert.Equal(ResponseIncompleteStatusReason.MaxOutputTokens, completed.IncompleteStatusDetails.Reason);
        Assert.Equal(text.ToString(), completed.GetOutputText());
        Assert.Equal(5, completed.Usage.OutputTokenCount);
        Assert.Equal(5L, await fixture.Database.ScalarAsync<long>(
            "SELECT completion_tokens FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId)));
    }

    [Fact]
    public async Task FunctionCallTurn_IsTranslated_AndTheUpstreamSeesToolMessages()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);

        ResponseResult response = await Client(tenant.ApiKey).CreateResponseAsync(new CreateResponseOptions("gpt-4o-mini",
        [
            ResponseItem.CreateUserMessageItem("Weather in Paris?"),
            ResponseItem.CreateFunctionCallItem("call_1", "weather", BinaryData.FromString("""{"city":"Paris"}""")),
            ResponseItem.CreateFunctionCallOutputItem("call_1", "18C"),
        ])
        {
            Tools = { ResponseTool.CreateFunctionTool("weather", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}}}"""), strictModeEnabled: false) },
        });

        Assert.Equal(ResponseStatus.Completed, response.Status);
        Assert.Equal(1, await EventsAsync(tenant));
    }

    public static TheoryData<string, string> Refused => new()
    {
        { """{"model":"gpt-4o-mini","input":"hi","previous_response_id":"resp_1"}""", "previous_response_id" },
        { """{"model":"gpt-4o-mini","input":"hi","tools":[{"type":"web_search"}]}""", "tools" },
        { """{"model":"gpt-4o-mini"}""", "input" },
        { """{"model":"gpt-4o-mini","input":[{"type":"file_search_call"}]}""", "input" },
        { """{"model":"gpt-4o-mini","input":"hi","colour":"red"}""", "colour" },
        { """{"model":"gpt-4o-mini","input":"hi","max_output_tokens":0}""", "max_output_tokens" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Unsupported_IsRefusedBeforeAnyProvider_AndCostsNothing(string body, string param)
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        long upstreamBefore = Upstream.TotalRequests;
        using HttpRequestMessage request = tenant.Request(HttpMethod.Post, "/v1/responses");
        request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await fixture.Host.Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        using JsonDocument json = JsonDocument.Parse(text);
        Assert.Contains(param, json.RootElement.GetProperty("error").GetProperty("message").GetString() + json.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(upstreamBefore, Upstream.TotalRequests);
        Assert.Equal(0, await EventsAsync(tenant));
    }
}
