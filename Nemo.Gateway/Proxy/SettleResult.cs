using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Proxy;

/// <summary>How a response's settle ended, which decides what its client is told.</summary>
internal enum SettleResult
{
    /// <summary>The usage event is durable: the response is delivered.</summary>
    Billed,

    /// <summary>Recorded as abandoned at zero cost: never billed, so the client may retry.</summary>
    NotBilled,

    /// <summary>Neither the settle nor its abandonment could be confirmed (the ledger stayed unreachable).</summary>
    Unknown,
}

internal static class SettleFailure
{
    /// <summary>The error a client gets instead of its response (or its stream's end) when the settle did not bill it.</summary>
    public static OpenAIError Error(SettleResult result, bool stream) => result switch
    {
        SettleResult.NotBilled => OpenAIError.Unavailable(stream
            ? "The stream could not be completed because its usage could not be recorded. It was not billed."
            : "The response could not be delivered because its usage could not be recorded. It was not billed; retry the request."),
        _ => new OpenAIError(StatusCodes.Status503ServiceUnavailable, "service_unavailable", "usage_outcome_unknown",
            (stream ? "The stream could not be completed" : "The response could not be delivered")
            + ": its usage could not be recorded, and whether it will be billed is not known yet (the usage ledger is unreachable). "
            + "Look the request id (x-nemo-request-id) up in the usage records before retrying."),
    };
}
