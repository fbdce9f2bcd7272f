namespace Nemo.Gateway.Admin.Usage;

/// <summary>One request's metadata in the activity feed: never its prompt or completion, which Nemo doesn't store.</summary>
internal sealed record ActivityRow(
    Guid RequestId, DateTimeOffset OccurredAt, string Model, string Endpoint, long PromptTokens, long CompletionTokens, decimal Cost,
    long LatencyMs, int StatusCode, Guid KeyId, string? KeyName, Guid? UserId, Guid TeamId, string? CustomerId, int Flags)
{
    internal long Seq { get; init; }
}
