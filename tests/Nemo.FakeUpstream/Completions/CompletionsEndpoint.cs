namespace Nemo.FakeUpstream;

/// <summary>POST /v1/completions (legacy), plain or streamed.</summary>
internal sealed class CompletionsEndpoint(FakeUpstreamOptions options, FakeUpstreamStats stats, CancellationToken stopping)
    : FakeEndpoint(options, stats, stopping)
{
    protected override FakeRoute Route => FakeRoute.Completions;

    protected override async Task HandleCoreAsync(HttpContext context)
    {
        var request = await ReadBodyAsync(context, CompletionRequest.Parse);
        Stats.RecordModel(request.Model);
        var settings = Settings(context, request.User);
        if (!await BeginAsync(context, settings))
        {
            return;
        }

        var plan = GenerationPlan.Create(settings.CompletionTokens, request.MaxTokens);
        var withUsage = settings.Mode != FakeMode.NoUsage;
        if (request.Stream)
        {
            var includeUsage = request.IncludeUsage && withUsage;
            var format = new CompletionChunkFormat(request.Model, includeUsage);
            await TokenStreamer.StreamAsync(context, settings, format, plan, request.PromptTokens, includeUsage);
            return;
        }

        await SendAsync(context, settings, CompletionJson.Write(request.Model, plan, request.PromptTokens, withUsage));
    }
}
