namespace Nemo.FakeUpstream;

/// <summary>How the fake answers a request. Text names (config, headers, <c>user</c>) are in
/// <see cref="FakeModeNames"/>.</summary>
public enum FakeMode
{
    /// <summary>"ok": a normal answer.</summary>
    Ok,

    /// <summary>"error500": 500 with an OpenAI error body of type server_error.</summary>
    Error500,

    /// <summary>"error429": 429, <c>Retry-After: 1</c>, type rate_limit_error, code rate_limit_exceeded.</summary>
    Error429,

    /// <summary>"cut": a stream is aborted after CutAfterChunks content chunks (no finish chunk,
    /// no usage, no [DONE]); a non-streaming answer is aborted after the headers, before the body.</summary>
    Cut,

    /// <summary>"no_usage": no usage in non-streaming bodies and never a usage chunk.</summary>
    NoUsage,

    /// <summary>"hang": never answers; the request ends when the client goes away or the app stops.</summary>
    Hang,
}
