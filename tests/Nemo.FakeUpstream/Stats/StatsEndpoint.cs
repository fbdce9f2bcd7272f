using System.Buffers;
using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>GET /_fake/stats (the counters as JSON) and POST /_fake/stats/reset.</summary>
internal static class StatsEndpoint
{
    public const string Path = "/_fake/stats";
    public const string ResetPath = "/_fake/stats/reset";

    public static Task GetAsync(HttpContext context, FakeUpstreamStats stats)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            json.WriteStartObject();
            json.WriteNumber("total_requests", stats.TotalRequests);
            json.WriteStartObject("requests_by_route");
            foreach (var (route, count) in stats.RequestsByRoute)
            {
                json.WriteNumber(route, count);
            }

            json.WriteEndObject();
            json.WriteNumber("unauthorized", stats.Unauthorized);
            WriteNullable(json, "last_authorization", stats.LastAuthorization);
            json.WriteStartObject("requests_by_authorization");
            foreach (var (authorization, count) in stats.RequestsByAuthorization)
            {
                json.WriteNumber(authorization, count);
            }

            json.WriteEndObject();
            WriteNullable(json, "last_model", stats.LastModel);
            json.WriteEndObject();
        }

        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, buffer);
    }

    public static Task ResetAsync(HttpContext context, FakeUpstreamStats stats)
    {
        stats.Reset();
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
