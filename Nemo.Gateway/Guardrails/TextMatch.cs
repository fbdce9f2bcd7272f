namespace Nemo.Gateway.Guardrails;

/// <summary>Where a rule matched in one text, and the mask that replaces it when the rule redacts.</summary>
internal readonly record struct TextMatch(int Start, int Length, string Mask)
{
    public int End => Start + Length;
}
