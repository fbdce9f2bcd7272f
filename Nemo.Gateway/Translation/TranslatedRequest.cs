namespace Nemo.Gateway.Translation;

/// <summary>
/// A client's request in another API's dialect, as the OpenAI chat completion Nemo proxies: the body,
/// the model and whether it streams, plus what the dialect needs to shape the answer (<see cref="State"/>).
/// </summary>
internal sealed record TranslatedRequest(byte[] Body, string Model, bool Stream, object? State = null);
