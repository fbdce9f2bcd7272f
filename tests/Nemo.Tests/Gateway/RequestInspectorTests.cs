using System.Text;
using System.Text.Json;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Hosting;
using Nemo.Gateway.Providers;
using Nemo.Gateway.Proxy;
using Nemo.Grains.Money;

namespace Nemo.Tests.Gateway;

/// <summary>The request inspector over good and hostile bodies: what it refuses, the bounds it computes, and the body it sends upstream.</summary>
public sealed class RequestInspectorTests
{
    private static readonly ModelCatalog Catalog = new(new Dictionary<string, CatalogModel>
    {
        ["m"] = new("m", "p", new Uri("http://127.0.0.1:1/v1/"), null, new ModelPrice(1_000, 2_000), 100, "max_tokens",
            new ProviderTimeouts(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))),
        ["n"] = new("n", "p", new Uri("http://127.0.0.1:1/v1/"), null, new ModelPrice(1_000, 2_000), 100, "max_completion_tokens",
            new ProviderTimeouts(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))),
    });

    private static readonly RequestInspector Inspector = new(new GatewayOptions());

    private static (bool Ok, InspectedRequest Request, OpenAIError Error) Inspect(string body, LlmEndpoint endpoint = LlmEndpoint.ChatCompletions)
    {
        bool ok = Inspector.TryInspect(endpoint, Encoding.UTF8.GetBytes(body), Catalog, out InspectedRequest request, out _, out OpenAIError error);
        return (ok, request, error);
    }

    private const string Messages = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

    [Theory]
    [InlineData("{\"model\":\"m\"," + Messages + ",\"user\":\"a\\u0000b\"}", "user")]
    [InlineData("{\"model\":\"m\"," + Messages + ",\"user\":\"a\\ud800b\"}", "user")]
    [InlineData("{\"model\":\"m\"," + Messages + ",\"user\":\"\\udc00\"}", "user")]
    [InlineData("{\"model\":\"m\"," + Messages + ",\"metadata\":{\"customer_id\":\"x\\u0000\"}}", "metadata.customer_id")]
    [InlineData("{\"model\":\"m\"," + Messages + ",\"metadata\":{\"customer_id\":\"\\ud83d\"}}", "metadata.customer_id")]
    [InlineData("{\"model\":\"m\"," + Messages + ",\"metadata\":{\"customer_id\":5}}", "metadata.customer_id")]
    [InlineData("{\"model\":\"m\\u0000\"," + Messages + "}", "model")]
    [InlineData("{\"model\":\"\\ud800\"," + Messages + "}", "model")]
    [InlineData("{\"model\":\"m\"," + Messages + ",\"max_tokens\":1.5}", "max_tokens")]
    [InlineData("{\"model\":\"m\"," + Messages + ",\"max_tokens\":-1}", "max_tokens")]
    [InlineData("{\"model\":\"m\"," + Messages + ",\"n\":1000}", "n")]
    [InlineData("{\"model\":\"m\"," + Messages + ",\"stream\":1}", "stream")]
    [InlineData("{\"model\":\"m\"," + Messages + ",\"stream\":true,\"stream_options\":[]}", "stream_options")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"content\":\"no role\"}]}", "messages[0]")]
    public void HostileFields_AreRefusedWith400_NamingTheField(string body, string param)
    {
        (bool ok, _, OpenAIError error) = Inspect(body);
        Assert.False(ok);
        Assert.Equal(400, error.Status);
        Assert.Equal(param, error.Param);
    }

    [Theory]
    [InlineData(",\"models\":[\"n\",\"m\"]", new[] { "n" })] // the request's own model in the list is dropped
    [InlineData(",\"models\":[]", new string[0])]
    [InlineData(",\"models\":null", null)]
    [InlineData("", null)]
    public void Models_AreTheRequestsFallbacks_AndNeverSentUpstream(string field, string[]? fallbacks)
    {
        // max_tokens set, no stream: nothing else would make Nemo rewrite the body.
        (bool ok, InspectedRequest request, OpenAIError error) = Inspect("{\"model\":\"m\",\"max_tokens\":5" + field + "," + Messages + "}");

        Assert.True(ok, error.Message);
        Assert.Equal(fallbacks, request.Fallbacks);
        using JsonDocument sent = JsonDocument.Parse(request.UpstreamBody);
        Assert.False(sent.RootElement.TryGetProperty("models", out _));
        Assert.Equal(new[] { "model", "max_tokens", "messages" }, sent.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void CustomerId_LongerThan256Characters_IsRefused_256IsAccepted()
    {
        Assert.Equal("user", Inspect("{\"model\":\"m\"," + Messages + $",\"user\":\"{new string('u', 257)}\"}}").Error.Param);
        Assert.Equal(new string('u', 256), Inspect("{\"model\":\"m\"," + Messages + $",\"user\":\"{new string('u', 256)}\"}}").Request.Customer);
        // 128 emoji are 256 UTF-16 characters: accepted, and well-formed surrogate pairs pass.
        Assert.True(Inspect("{\"model\":\"m\"," + Messages + $",\"user\":\"{string.Concat(Enumerable.Repeat("😀", 128))}\"}}").Ok);
    }

    [Theory]
    [InlineData("{\"model\":\"m\",\"model\":\"m\"," + Messages + "}")]
    [InlineData("{\"model\":\"m\"," + Messages + ",\"max_tokens\":1,\"max_tokens\":100000}")]
    [InlineData("{\"model\":\"m\"," + Messages + ",\"stream\":false,\"stream\":true}")]
    [InlineData("{\"model\":\"m\"," + Messages + ",\"metadata\":{\"customer_id\":\"a\",\"customer_id\":\"b\"}}")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"role\":\"system\",\"content\":\"x\"}]}")]
    [InlineData("{\"model\":\"m\"")]
    [InlineData("[]")]
    public void DuplicatedOrBrokenJson_IsRefused(string body)
    {
        (bool ok, _, OpenAIError error) = Inspect(body);
        Assert.False(ok);
        Assert.Equal("invalid_json", error.Code);
    }

    [Theory]
    [InlineData("{\"model\":\"m\"," + Messages + ",\"user\":\"acme\"}", "acme")]
    [InlineData("{\"model\":\"m\"," + Messages + ",\"metadata\":{\"customer_id\":\"meta\"},\"user\":\"acme\"}", "meta")]
    [InlineData("{\"model\":\"m\"," + Messages + ",\"user\":\"\"}", null)]
    [InlineData("{\"model\":\"m\"," + Messages + ",\"user\":null}", null)]
    [InlineData("{\"model\":\"m\"," + Messages + ",\"user\":\"ü€😀\"}", "ü€😀")]
    public void Customer_IsMetadataElseUser(string body, string? customer) => Assert.Equal(customer, Inspect(body).Request.Customer);

    [Fact]
    public void Rewrite_KeepsOtherStreamOptionsFields_AndEveryFieldItDoesNotOwn()
    {
        string body = "{\"model\":\"m\"," + Messages + ",\"stream\":true,\"temperature\":0.5,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]," +
            "\"stream_options\":{\"include_obfuscation\":false,\"include_usage\":false},\"seed\":7}";
        (bool ok, InspectedRequest request, _) = Inspect(body);
        Assert.True(ok);
        Assert.False(request.ClientWantsUsage);
        using JsonDocument sent = JsonDocument.Parse(request.UpstreamBody, new JsonDocumentOptions { AllowDuplicateProperties = false });
        JsonElement root = sent.RootElement;
        Assert.False(root.GetProperty("stream_options").GetProperty("include_obfuscation").GetBoolean());
        Assert.True(root.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal(0.5, root.GetProperty("temperature").GetDouble());
        Assert.Equal(7, root.GetProperty("seed").GetInt32());
        Assert.Equal("f", root.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString());
        Assert.Equal(100, root.GetProperty("max_tokens").GetInt64());
    }

    [Theory]
    [InlineData("m", "{\"model\":\"m\"," + Messages + ",\"max_tokens\":null}", "max_tokens")]
    [InlineData("n", "{\"model\":\"n\"," + Messages + ",\"max_completion_tokens\":null}", "max_completion_tokens")]
    [InlineData("n", "{\"model\":\"n\"," + Messages + ",\"max_tokens\":null,\"max_completion_tokens\":null}", "max_completion_tokens")]
    public void NullOutputLimit_IsReplaced_NotDuplicated(string model, string body, string field)
    {
        (bool ok, InspectedRequest request, _) = Inspect(body);
        Assert.True(ok);
        Assert.Equal(100, request.OutputTokensUpper);
        // Parsing with duplicates refused proves each field appears once.
        using JsonDocument sent = JsonDocument.Parse(request.UpstreamBody, new JsonDocumentOptions { AllowDuplicateProperties = false });
        Assert.Equal(100, sent.RootElement.GetProperty(field).GetInt64());
        Assert.Equal(model, sent.RootElement.GetProperty("model").GetString());
        foreach (JsonProperty property in sent.RootElement.EnumerateObject())
            Assert.NotEqual(JsonValueKind.Null, property.Value.ValueKind);
    }

    [Fact]
    public void Stream_WithoutStreamOptions_AsksForUsage()
    {
        (bool ok, InspectedRequest request, _) = Inspect("{\"model\":\"m\"," + Messages + ",\"stream\":true,\"max_tokens\":5}");
        Assert.True(ok);
        using JsonDocument sent = JsonDocument.Parse(request.UpstreamBody);
        Assert.True(sent.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal(5, sent.RootElement.GetProperty("max_tokens").GetInt64());
    }

    [Fact]
    public void UntouchedBody_IsSentAsIs()
    {
        string body = "{\"model\":\"m\"," + Messages + ",\"max_tokens\":5,\"x-unknown\":{\"kept\":[1,2,3]}}";
        (bool ok, InspectedRequest request, _) = Inspect(body);
        Assert.True(ok);
        Assert.Equal(body, Encoding.UTF8.GetString(request.UpstreamBody.Span));
        Assert.Equal(5, request.OutputTokensUpper);
        Assert.True(request.PromptTokensUpper >= body.Length);
    }

    [Theory]
    [InlineData("{\"model\":\"m\",\"prompt\":[\"a\",\"b\",\"c\"],\"max_tokens\":10,\"n\":2}", "Completions", 60)]
    [InlineData("{\"model\":\"m\",\"prompt\":\"a\",\"best_of\":3,\"n\":1}", "Completions", 48)]
    [InlineData("{\"model\":\"m\",\"input\":\"a\"}", "Embeddings", 0)]
    [InlineData("{\"model\":\"m\"," + Messages + ",\"n\":3}", "ChatCompletions", 300)]
    public void OutputUpperBound(string body, string endpoint, long expected) =>
        Assert.Equal(expected, Inspect(body, Enum.Parse<LlmEndpoint>(endpoint)).Request.OutputTokensUpper);
}
