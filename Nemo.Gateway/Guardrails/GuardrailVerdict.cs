namespace Nemo.Gateway.Guardrails;

/// <summary>
/// The result of evaluating a request's (or an answer's) text: the rules that hit, the blocking rule if
/// one did (then nothing else matters), and the body rewritten with masks when a redacting rule hit.
/// </summary>
internal sealed record GuardrailVerdict(IReadOnlyList<GuardrailRule> Hits, GuardrailRule? Blocked, byte[]? Redacted)
{
    public static readonly GuardrailVerdict None = new([], null, null);

    public Guid[] HitIds => [.. Hits.Select(h => h.Id)];
}
