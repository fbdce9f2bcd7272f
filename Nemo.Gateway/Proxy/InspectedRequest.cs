namespace Nemo.Gateway.Proxy;

/// <summary>
/// A validated LLM request: the model, whether it streams, the upper bounds that price its
/// reservation, and the body to send upstream (rewritten when Nemo had to set an output limit or ask
/// for the usage chunk).
/// </summary>
internal sealed record InspectedRequest(
    string Model,
    bool Stream,
    bool ClientWantsUsage,
    long PromptTokensUpper,
    long OutputTokensUpper,
    long TokenEstimate,
    string? Customer,
    ReadOnlyMemory<byte> UpstreamBody);
