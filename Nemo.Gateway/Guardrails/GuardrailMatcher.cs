namespace Nemo.Gateway.Guardrails;

/// <summary>Finds a rule's matches in one text. Implementations are immutable and safe to share across threads.</summary>
internal abstract class GuardrailMatcher
{
    /// <summary>Adds every match in <paramref name="text"/> to <paramref name="matches"/>; returns whether there was any.</summary>
    public abstract bool Find(string text, List<TextMatch> matches);
}
