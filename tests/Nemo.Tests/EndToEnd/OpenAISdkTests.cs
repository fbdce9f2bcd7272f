using System.ClientModel;
using System.ClientModel.Primitives;
using Nemo.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using OpenAI.Models;

namespace Nemo.Tests.EndToEnd;

/// <summary>The unmodified official OpenAI .NET SDK against a running Nemo gateway.</summary>
public sealed class OpenAISdkTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private OpenAIClient Client(string key) => new(new ApiKeyCredential(key), new OpenAIClientOptions
    {
        Endpoint = new Uri(fixture.Host.GatewayUrl + "/v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0), // so a 429 surfaces instead of being retried
    });

    [Fact]
    public async Task Chat_Completes()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        ChatClient chat = Client(tenant.ApiKey).GetChatClient("gpt-4o-mini");

        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("Say hello")]);

        Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));
        Assert.Equal(16, completion.Usage.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
    }

    [Fact]
    public async Task Chat_Streams_WithUsage()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        ChatClient chat = Client(tenant.ApiKey).GetChatClient("gpt-4o-mini");
        var text = new System.Text.StringBuilder();
        ChatTokenUsage? usage = null;

        await foreach (StreamingChatCompletionUpdate update in chat.CompleteChatStreamingAsync([new UserChatMessage("Count")], new ChatCompletionOptions { MaxOutputTokenCount = 5 }))
        {
            foreach (ChatMessageContentPart part in update.ContentUpdate)
                text.Append(part.Text);
            usage ??= update.Usage;
        }

        Assert.Equal(5, text.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.NotNull(usage);
        Assert.Equal(5, usage.OutputTokenCount);
    }

    [Fact]
    public async Task Embeddings_AndModels_Work()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        OpenAIClient client = Client(tenant.ApiKey);

        OpenAIEmbedding embedding = await client.GetEmbeddingClient("text-embedding-3-small").GenerateEmbeddingAsync("hello world");
        OpenAIModelCollection models = await client.GetOpenAIModelClient().GetModelsAsync();

        Assert.Equal(8, embedding.ToFloats().Length);
        Assert.Contains(models, m => m.Id == "gpt-4o-mini");
        Assert.Contains(models, m => m.Id == "text-embedding-3-small");
    }

    [Fact]
    public async Task UnknownKey_Surfaces401()
    {
        ChatClient chat = Client("sk-nemo-" + new string('x', 48)).GetChatClient("gpt-4o-mini");
        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(401, error.Status);
    }

    [Fact]
    public async Task NoCredits_Surfaces402()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client);
        ChatClient chat = Client(tenant.ApiKey).GetChatClient("gpt-4o-mini");
        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(402, error.Status);
    }

    [Fact]
    public async Task RateLimited_Surfaces429()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        using HttpResponseMessage created = await fixture.Host.Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/keys", new { name = "one-per-minute", rpm = 1 }));
        using var json = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        ChatClient chat = Client(json.RootElement.GetProperty("key").GetString()!).GetChatClient("gpt-4o-mini");

        await chat.CompleteChatAsync([new UserChatMessage("first")]);
        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("second")]));

        Assert.Equal(429, error.Status);
        Assert.True(error.GetRawResponse()!.Headers.TryGetValue("Retry-After", out string? retryAfter) && int.Parse(retryAfter!) >= 1);
    }
}
