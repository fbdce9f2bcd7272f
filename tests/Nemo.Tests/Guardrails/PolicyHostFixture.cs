using Nemo.Tests.Admin;

namespace Nemo.Tests.Guardrails;

/// <summary>A Nemo whose catalog also has the fake upstream's echo model (it answers the last user message verbatim).</summary>
public sealed class PolicyHostFixture : Infrastructure.NemoHostFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nemo:Providers:fake:Models:echo:InputPerMillion"] = "1.00",
        ["Nemo:Providers:fake:Models:echo:OutputPerMillion"] = "2.00",
        ["Nemo:Providers:fake:Models:echo:OutputCap"] = "1000",
    };

    /// <summary>Creates a resource through the admin API as the given key and returns its id.</summary>
    public async Task<Guid> CreateAsync(string path, string bearer, object body)
    {
        (int status, System.Text.Json.JsonElement json, string text) = await Host.Client.SendAsync(HttpMethod.Post, path, bearer, body);
        Assert.True(status == 201, text);
        return json.GetProperty("id").GetGuid();
    }

    public static object EchoChat(string content, bool stream = false) =>
        new { model = "echo", max_tokens = 50, stream, messages = new[] { new { role = "user", content } } };

    public static string Answer(System.Text.Json.JsonElement body) =>
        body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
}
