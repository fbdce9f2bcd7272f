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

        var cut = settings.Mode is FakeMode.Cut or FakeMode.EndEarly or FakeMode.Stall;
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

        switch (settings.Mode)
        {
            case FakeMode.Cut:
                await CutDelay.BeforeAbortAsync(context);
                context.Abort();
                return;
            case FakeMode.EndEarly:
                return; // a clean end of the response, without finish, usage or [DONE]
            case FakeMode.Stall:
                await StallAsync(context);
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

        switch (settings.Mode)
        {
            case FakeMode.NoDone:
                return;
            case FakeMode.HangAfterUsage:
                await StallAsync(context);
                return;
        }

        await PauseAsync(context, delay, events);
        await sse.WriteDoneAsync();
    }

    /// <summary>Sends nothing more and keeps the connection open until the client goes away.</summary>
    public static async Task StallAsync(HttpContext context)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // the client gave up
        }
    }

    private static Task PauseAsync(HttpContext context, int delayMs, int eventsSoFar) =>
        delayMs > 0 && eventsSoFar > 0 ? Task.Delay(delayMs, context.RequestAborted) : Task.CompletedTask;
}
