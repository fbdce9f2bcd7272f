namespace Nemo.FakeUpstream;

/// <summary>
/// Azure OpenAI's request line, for gateways configured with a provider of kind azure:
/// <c>POST /openai/deployments/{deployment}/chat/completions?api-version=…</c> with an <c>api-key</c>
/// header is served as <c>/v1/chat/completions</c> with that key as bearer (so the same endpoints, key
/// check and counters apply). A missing api-version is a 404, as Azure answers; the deployment and the
/// version are recorded in <see cref="FakeUpstreamStats"/>.
/// </summary>
internal static class AzureShim
{
    private const string Prefix = "/openai/deployments/";

    public static async Task InvokeAsync(HttpContext context, Func<Task> next, FakeUpstreamStats stats)
    {
        string path = context.Request.Path.Value ?? "";
        if (!path.StartsWith(Prefix, StringComparison.Ordinal))
        {
            await next();
            return;
        }
        int slash = path.IndexOf('/', Prefix.Length);
        string? version = context.Request.Query["api-version"];
        if (slash < 0 || string.IsNullOrEmpty(version))
        {
            await OpenAiError.WriteAsync(context, StatusCodes.Status404NotFound, "Resource not found (fake Azure: the path needs a deployment and api-version).",
                OpenAiError.InvalidRequest, "404");
            return;
        }
        stats.RecordAzure(path[Prefix.Length..slash], version);
        context.Request.Path = "/v1" + path[slash..];
        context.Request.Headers.Authorization = context.Request.Headers["api-key"] is [{ Length: > 0 } key] ? "Bearer " + key : default;
        await next();
    }
}
