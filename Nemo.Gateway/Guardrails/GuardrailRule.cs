namespace Nemo.Gateway.Guardrails;

/// <summary>
/// One enabled guardrail as the request path uses it: compiled once when the organization's rules are
/// (re)loaded. <see cref="Matcher"/> is null for <see cref="GuardrailKind.MaxPromptTokens"/>, which
/// compares the prompt's token count with <see cref="MaxPromptTokens"/> instead.
/// </summary>
internal sealed record GuardrailRule(
    Guid Id,
    GuardrailKind Kind,
    GuardrailAction Action,
    GuardrailStage Stage,
    Guid? TeamId,
    Guid? KeyId,
    GuardrailMatcher? Matcher,
    long MaxPromptTokens = 0)
{
    /// <summary>Whether the rule covers a request of this key (organization-wide, or its team, or the key itself).</summary>
    public bool Covers(Guid teamId, Guid keyId) => (TeamId is null || TeamId == teamId) && (KeyId is null || KeyId == keyId);
}
