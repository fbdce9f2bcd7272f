namespace Nemo.Gateway.Guardrails;

/// <summary>What a guardrail looks for (docs/API.md: <c>kind</c>).</summary>
internal enum GuardrailKind
{
    Pii,
    Regex,
    Keywords,
    MaxPromptTokens,
}
