namespace Nemo.Gateway.Proxy;

/// <summary>
/// A validated LLM request: the model, whether it streams, the upper bounds that price its
/// reservation, and the body to send upstream (rewritten when Nemo had to set an output limit or ask
/// for the usage chunk, and without the request's own <c>models</c>, which only Nemo reads: see
/// <see cref="Fallbacks"/>).
/// </summary>
internal sealed record InspectedRequest(
    string Model,
    bool Stream,
    bool ClientWantsUsage,
    long PromptTokensUpper,
    long OutputTokensUpper,
    long TokenEstimate,
    string? Customer,
    ReadOnlyMemory<byte> UpstreamBody,
    IReadOnlyList<string>? Fallbacks = null);
