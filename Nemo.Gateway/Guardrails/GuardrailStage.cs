namespace Nemo.Gateway.Guardrails;

/// <summary>Where a rule applies (<c>applies_to</c>): the request's input, the answer's output, or both.</summary>
[Flags]
internal enum GuardrailStage
{
    Input = 1,
    Output = 2,
    Both = Input | Output,
}
