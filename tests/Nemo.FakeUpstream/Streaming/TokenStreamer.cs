namespace Nemo.FakeUpstream;

/// <summary>
/// Streams a completion: [start chunk], one chunk per token, the finish chunk, [the usage chunk],
/// then [DONE]; ChunkDelayMs between events. In cut mode the connection is aborted after
/// CutAfterChunks content chunks, before any finish chunk, usage or [DONE].
/// </summary>
internal static class TokenStreamer
{
    public static async Task StreamAsync(
        HttpContext context,
        FakeRequestSettings settings,
        IStreamChunkFormat format,
        GenerationPlan plan,
        int promptTokens,
        bool includeUsage)
    {
        using var sse = new SseStream(context);
        var delay = settings.ChunkDelayMs;
        var events = 0;

        if (format.HasStartChunk)
        {
            format.WriteStart(sse.BeginEvent());
            if (!await sse.EndEventAsync())
            {
                return;
            }

            events++;
        }

        var cut = settings.Mode == FakeMode.Cut;
        for (var i = 0; i < plan.Tokens; i++)
        {
            if (cut && i >= settings.CutAfterChunks)
            {
                break;
            }

            await PauseAsync(context, delay, events++);
            format.WriteToken(sse.BeginEvent(), LoremText.Token(i));
            if (!await sse.EndEventAsync())
            {
                return;
            }
        }

        if (cut)
        {
            await CutDelay.BeforeAbortAsync(context);
            context.Abort();
            return;
        }

        await PauseAsync(context, delay, events++);
        format.WriteFinish(sse.BeginEvent(), plan.FinishReason);
        if (!await sse.EndEventAsync())
        {
            return;
        }

        if (includeUsage)
        {
            await PauseAsync(context, delay, events++);
            format.WriteUsage(sse.BeginEvent(), promptTokens, plan.Tokens);
            if (!await sse.EndEventAsync())
            {
                return;
            }
        }

        await PauseAsync(context, delay, events);
        await sse.WriteDoneAsync();
    }

    private static Task PauseAsync(HttpContext context, int delayMs, int eventsSoFar) =>
        delayMs > 0 && eventsSoFar > 0 ? Task.Delay(delayMs, context.RequestAborted) : Task.CompletedTask;
}
