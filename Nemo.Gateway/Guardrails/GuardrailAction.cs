namespace Nemo.Gateway.Guardrails;

/// <summary>
/// What a hit does: <see cref="Block"/> refuses the request (400 guardrail_violation, the upstream not
/// called, nothing billed); <see cref="Redact"/> masks the matched text (upstream sees the mask; on output
/// the client does); <see cref="Flag"/> only records the hit.
/// </summary>
internal enum GuardrailAction
{
    Block,
    Redact,
    Flag,
}
