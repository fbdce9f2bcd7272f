using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Nemo.Cluster.Calls;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Keys;
using Nemo.Gateway.Providers;

namespace Nemo.Gateway.Proxy;

/// <summary>The OpenAI-compatible routes. Every route that reaches an upstream goes through <see cref="ProxyHandler"/>.</summary>
internal static class LlmApi
{
    public static IEndpointRouteBuilder MapNemoLlmApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/chat/completions", (HttpContext context, ProxyHandler proxy) => proxy.HandleAsync(context, LlmEndpoint.ChatCompletions));
        app.MapPost("/v1/completions", (HttpContext context, ProxyHandler proxy) => proxy.HandleAsync(context, LlmEndpoint.Completions));
        app.MapPost("/v1/embeddings", (HttpContext context, ProxyHandler proxy) => proxy.HandleAsync(context, LlmEndpoint.Embeddings));
        app.MapGet("/v1/models", (HttpContext context, KeyAuthenticator keys, ModelCatalog catalog, OrganizationCalls cluster) => ListModelsAsync(context, keys, catalog, cluster, null));
        app.MapGet("/v1/models/{model}", (HttpContext context, string model, KeyAuthenticator keys, ModelCatalog catalog, OrganizationCalls cluster) => ListModelsAsync(context, keys, catalog, cluster, model));
        return app;
    }

    /// <summary>The models this key may use: the catalog's, within the organization's, team's and key's allow-lists.</summary>
    private static async Task ListModelsAsync(HttpContext context, KeyAuthenticator keys, ModelCatalog catalog, OrganizationCalls cluster, string? single)
    {
        context.Response.Headers["x-nemo-request-id"] = Guid.CreateVersion7().ToString();
        (KeyEntry? key, OpenAIError error) = await keys.AuthenticateAsync(context);
        if (key is null)
        {
            await error.WriteAsync(context.Response);
            return;
        }
        context.Response.Headers["x-nemo-org-id"] = key.OrganizationId.ToString();
        string[]? allowed;
        try
        {
            allowed = await cluster.GetAllowedModelsAsync(key.OrganizationId, key.TeamId, key.KeyId, context.RequestAborted);
        }
        catch (ClusterUnavailableException)
        {
            await OpenAIError.Unavailable("The model list could not be read (no silo answered); retry.").WriteAsync(context.Response);
            return;
        }
        bool Allowed(string model) => allowed is null || allowed.Contains(model, StringComparer.Ordinal);
        if (single is not null && (!catalog.TryFind(single, out _) || !Allowed(single)))
        {
            await OpenAIError.NotFound($"The model '{single}' does not exist or you do not have access to it.", "model_not_found", "model").WriteAsync(context.Response);
            return;
        }
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        if (single is null)
        {
            writer.WriteStartObject();
            writer.WriteString("object", "list");
            writer.WriteStartArray("data");
            foreach (CatalogModel model in catalog.Primaries.Where(m => Allowed(m.Name)).OrderBy(m => m.Name, StringComparer.Ordinal))
                WriteModel(writer, model);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        else
        {
            catalog.TryFind(single, out CatalogModel model);
            WriteModel(writer, model);
        }
        await writer.FlushAsync();
    }

    private static void WriteModel(Utf8JsonWriter writer, CatalogModel model)
    {
        writer.WriteStartObject();
        writer.WriteString("id", model.Name);
        writer.WriteString("object", "model");
        writer.WriteNumber("created", 0);
        writer.WriteString("owned_by", model.Provider);
        writer.WriteEndObject();
    }
}
