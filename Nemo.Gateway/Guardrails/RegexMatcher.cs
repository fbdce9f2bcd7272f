using System.Text.RegularExpressions;

namespace Nemo.Gateway.Guardrails;

/// <summary>
/// A <c>regex</c> guardrail: the tenant's pattern, compiled with <see cref="RegexOptions.NonBacktracking"/>
/// (matching time linear in the input, whatever the pattern: no catastrophic backtracking can stall a node)
/// and a match timeout as a backstop (1 s: the engine is linear, so only a CPU-starved node gets near it).
/// A timeout counts as a hit — the rule can't vouch for the text.
/// </summary>
internal sealed class RegexMatcher(Regex regex) : GuardrailMatcher
{
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    public const int MaxPatternLength = 1000;

    public Regex Regex => regex;

    /// <summary>Compiles a tenant's pattern, or says why it can't be used (syntax, or a construct the non-backtracking engine refuses).</summary>
    public static RegexMatcher? TryCreate(string pattern, out string? problem)
    {
        problem = null;
        if (pattern.Length is 0 or > MaxPatternLength)
        {
            problem = $"must be 1 to {MaxPatternLength} characters";
            return null;
        }
        try
        {
            return new RegexMatcher(new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, MatchTimeout));
        }
        catch (ArgumentException ex)
        {
            // NotSupportedException derives from SystemException, not ArgumentException: caught below.
            problem = $"is not a valid pattern: {ex.Message}";
        }
        catch (NotSupportedException ex)
        {
            problem = $"uses a construct the non-backtracking engine does not support (lookarounds, backreferences, atomic groups): {ex.Message}";
        }
        return null;
    }

    public override bool Find(string text, List<TextMatch> matches)
    {
        int before = matches.Count;
        try
        {
            foreach (ValueMatch match in regex.EnumerateMatches(text))
            {
                if (match.Length > 0)
                    matches.Add(new TextMatch(match.Index, match.Length, "[REDACTED]"));
            }
        }
        catch (RegexMatchTimeoutException)
        {
            matches.Add(new TextMatch(0, text.Length, "[REDACTED]"));
        }
        return matches.Count > before;
    }
}
