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

    /// <summary>"error401": 401 whose body echoes a key and an internal URL (the gateway must not pass them on).</summary>
    Error401,

    /// <summary>"error403": 403, body as error401.</summary>
    Error403,

    /// <summary>"redirect": 307 to this same route (a gateway that follows it gets a normal answer).</summary>
    Redirect,

    /// <summary>"no_done": a complete stream (finish chunk, usage when asked) that closes without [DONE].</summary>
    NoDone,

    /// <summary>"end_early": a stream sends CutAfterChunks content chunks and closes cleanly: no finish, usage or [DONE].</summary>
    EndEarly,

    /// <summary>"stall": a stream sends CutAfterChunks content chunks, then sends nothing and keeps the
    /// connection open; a non-streamed answer sends its headers and half its body, then stalls.</summary>
    Stall,

    /// <summary>"hang_after_usage": a stream sends everything up to the usage chunk, then stalls before [DONE].</summary>
    HangAfterUsage,

    /// <summary>"json_stream": a stream request is answered with a plain JSON completion.</summary>
    JsonStream,

    /// <summary>"bad_json": a 200 whose body is cut JSON (with a matching Content-Length).</summary>
    BadJson,

    /// <summary>"bad_usage": the usage counts are the Usage literal (3.5, -1, 1e12, …; "dup" duplicates the keys).</summary>
    BadUsage,

    /// <summary>"error_hang": 400 headers, then the error body never finishes.</summary>
    ErrorHang,

    /// <summary>"big_error": 400 with an OpenAI-shaped error body of 1 MiB.</summary>
    BigError,

    /// <summary>"overloaded": Anthropic's 529 overloaded_error (the fake Anthropic only; OpenAI routes answer as ok).</summary>
    Overloaded,

    /// <summary>"stream_error": an Anthropic stream sends CutAfterChunks text deltas, then an <c>error</c> event
    /// (overloaded_error) and ends (the fake Anthropic only; OpenAI routes answer as ok).</summary>
    StreamError,
}
