namespace Nemo.FakeUpstream;

/// <summary>Any other /v1 path: 404 in OpenAI's error shape.</summary>
internal sealed class UnknownRouteEndpoint(FakeUpstreamOptions options, FakeUpstreamStats stats, CancellationToken stopping)
    : FakeEndpoint(options, stats, stopping)
{
    protected override FakeRoute Route => FakeRoute.Other;

    protected override Task HandleCoreAsync(HttpContext context) =>
        OpenAiError.WriteAsync(
            context,
            StatusCodes.Status404NotFound,
            $"Invalid URL ({context.Request.Method} {context.Request.Path}). (fake upstream)",
            OpenAiError.InvalidRequest);
}
