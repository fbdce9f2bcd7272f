namespace Nemo.FakeUpstream;

/// <summary>POST /v1/chat/completions, plain or streamed.</summary>
internal sealed class ChatCompletionsEndpoint(FakeUpstreamOptions options, FakeUpstreamStats stats, CancellationToken stopping)
    : FakeEndpoint(options, stats, stopping)
{
    protected override FakeRoute Route => FakeRoute.ChatCompletions;

    protected override async Task HandleCoreAsync(HttpContext context)
    {
        var request = await ReadBodyAsync(context, ChatCompletionRequest.Parse);
        Stats.RecordModel(request.Model);
        var settings = Settings(context, request.User);
        if (!await BeginAsync(context, settings))
        {
            return;
        }

        var plan = GenerationPlan.Create(settings.CompletionTokens, request.MaxTokens);
        var withUsage = settings.Mode != FakeMode.NoUsage;
        var usageLiteral = settings.Mode == FakeMode.BadUsage ? settings.UsageLiteral ?? "3.5" : null;
        if (request.Stream && settings.Mode != FakeMode.JsonStream)
        {
            var includeUsage = request.IncludeUsage && withUsage;
            var format = new ChatChunkFormat(request.Model, includeUsage, usageLiteral, UsageDetails.From(settings));
            await TokenStreamer.StreamAsync(context, settings, format, plan, request.PromptTokensFor(settings), includeUsage);
            return;
        }

        // The echo model answers the last user message verbatim (what a guardrail let through or masked).
        var echo = request.Model == FakeUpstreamOptions.EchoModel ? request.LastUserText : null;
        await SendAsync(context, settings, ChatCompletionJson.Write(request.Model, plan, request.PromptTokensFor(settings), withUsage, usageLiteral, echo, UsageDetails.From(settings)));
    }
}
