using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Nemo.Tests.Admin;

/// <summary>Small HTTP helpers for admin calls.</summary>
public static class AdminHttp
{
    public static HttpRequestMessage Request(HttpMethod method, string path, string? bearer, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (bearer is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (body is not null)
            request.Content = body switch
            {
                string text => new StringContent(text, Encoding.UTF8, "application/json"),
                HttpContent content => content,
                _ => new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
            };
        return request;
    }

    public static async Task<(int Status, JsonElement Body, string Text)> SendAsync(this HttpClient client, HttpMethod method, string path, string? bearer, object? body = null)
    {
        using HttpRequestMessage request = Request(method, path, bearer, body);
        using HttpResponseMessage response = await client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        JsonElement json = default;
        if (text.Length > 0 && (text[0] == '{' || text[0] == '['))
        {
            using JsonDocument document = JsonDocument.Parse(text);
            json = document.RootElement.Clone();
        }
        return ((int)response.StatusCode, json, text);
    }

    /// <summary>The error of a refused call, checked to be in OpenAI's shape.</summary>
    public static JsonElement Error(this JsonElement body)
    {
        JsonElement error = body.GetProperty("error");
        Assert.Equal(JsonValueKind.String, error.GetProperty("message").ValueKind);
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        Assert.True(error.TryGetProperty("code", out _) && error.TryGetProperty("param", out _));
        return error;
    }

    public static string? Code(this JsonElement body) => body.Error().GetProperty("code").GetString();

    public static object Chat(string content = "hello") => new { model = "gpt-4o-mini", max_tokens = 5, messages = new[] { new { role = "user", content } } };
}
