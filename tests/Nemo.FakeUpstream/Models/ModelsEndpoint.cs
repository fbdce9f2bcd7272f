using System.Buffers;
using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>GET /v1/models (the list of FakeUpstreamOptions.Models) and GET /v1/models/{id}.</summary>
internal sealed class ModelsEndpoint(FakeUpstreamOptions options, FakeUpstreamStats stats, CancellationToken stopping)
    : FakeEndpoint(options, stats, stopping)
{
    /// <summary>The fixed "created" of every listed model.</summary>
    public const long Created = 1700000000;

    protected override FakeRoute Route => FakeRoute.Models;

    protected override async Task HandleCoreAsync(HttpContext context)
    {
        var settings = Settings(context, null);
        if (!await BeginAsync(context, settings))
        {
            return;
        }

        var models = Options.Models;
        var buffer = new ArrayBufferWriter<byte>(128 + (models.Count * 96));
        using (var json = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            if (context.Request.RouteValues.TryGetValue("id", out var value) && value is string id)
            {
                if (!models.Contains(id, StringComparer.Ordinal))
                {
                    await OpenAiError.WriteAsync(
                        context,
                        StatusCodes.Status404NotFound,
                        $"The model '{id}' does not exist or you do not have access to it.",
                        OpenAiError.InvalidRequest,
                        "model_not_found",
                        "model");
                    return;
                }

                WriteModel(json, id);
            }
            else
            {
                json.WriteStartObject();
                json.WriteString("object", "list");
                json.WriteStartArray("data");
                foreach (var model in models)
                {
                    WriteModel(json, model);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }
        }

        await SendAsync(context, settings, buffer);
    }

    private static void WriteModel(Utf8JsonWriter json, string id)
    {
        json.WriteStartObject();
        json.WriteString("id", id);
        json.WriteString("object", "model");
        json.WriteNumber("created", Created);
        json.WriteString("owned_by", "fake");
        json.WriteEndObject();
    }
}
