namespace Nemo.Gateway.Guardrails;

/// <summary>A <c>pii</c> guardrail: the built-in detectors of its entities (<see cref="PiiDetectors"/>).</summary>
internal sealed class PiiMatcher(PiiEntity entities) : GuardrailMatcher
{
    public PiiEntity Entities => entities;

    public override bool Find(string text, List<TextMatch> matches) => PiiDetectors.Find(text, entities, matches);
}
