namespace Nemo.FakeUpstream;

/// <summary>POST /v1/embeddings.</summary>
internal sealed class EmbeddingsEndpoint(FakeUpstreamOptions options, FakeUpstreamStats stats, CancellationToken stopping)
    : FakeEndpoint(options, stats, stopping)
{
    protected override FakeRoute Route => FakeRoute.Embeddings;

    protected override async Task HandleCoreAsync(HttpContext context)
    {
        var request = await ReadBodyAsync(context, EmbeddingRequest.Parse);
        Stats.RecordModel(request.Model);
        var settings = Settings(context, request.User);
        if (!await BeginAsync(context, settings))
        {
            return;
        }

        var dimensions = request.Dimensions ?? Math.Clamp(Options.EmbeddingDimensions, 1, EmbeddingRequest.MaxDimensions);
        var withUsage = settings.Mode != FakeMode.NoUsage;
        await SendAsync(context, settings, EmbeddingJson.Write(request, dimensions, withUsage));
    }
}
