using System.Buffers;

namespace Nemo.Gateway.Guardrails;

/// <summary>
/// A <c>keywords</c> guardrail: whole-word occurrences of any keyword (a keyword inside a longer word,
/// "class" in "classic", is not one), case-insensitive unless <c>case_sensitive</c>. The search is
/// <see cref="SearchValues{T}"/> over strings (a multi-string vectorized search), then the keyword at
/// each candidate position is confirmed.
/// </summary>
internal sealed class KeywordMatcher : GuardrailMatcher
{
    public const int MaxKeywords = 1000;
    public const int MaxKeywordLength = 200;

    private readonly string[] _keywords;
    private readonly SearchValues<string> _search;
    private readonly StringComparison _comparison;

    public KeywordMatcher(IReadOnlyCollection<string> keywords, bool caseSensitive)
    {
        _comparison = caseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        // Longest first, so "credit card" wins over "credit" at the same position.
        _keywords = [.. keywords.Distinct(caseSensitive ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase).OrderByDescending(k => k.Length)];
        _search = SearchValues.Create(_keywords, _comparison);
    }

    public IReadOnlyList<string> Keywords => _keywords;

    public bool CaseSensitive => _comparison == StringComparison.Ordinal;

    public override bool Find(string text, List<TextMatch> matches)
    {
        int before = matches.Count;
        int offset = 0;
        ReadOnlySpan<char> all = text;
        while (offset < all.Length)
        {
            int found = all[offset..].IndexOfAny(_search);
            if (found < 0)
                break;
            int start = offset + found;
            int length = 0;
            foreach (string keyword in _keywords)
            {
                if (all[start..].StartsWith(keyword, _comparison) && IsBoundary(all, start - 1) && IsBoundary(all, start + keyword.Length))
                {
                    length = keyword.Length;
                    break;
                }
            }
            if (length > 0)
            {
                matches.Add(new TextMatch(start, length, "[REDACTED]"));
                offset = start + length;
            }
            else
            {
                offset = start + 1;
            }
        }
        return matches.Count > before;
    }

    private static bool IsBoundary(ReadOnlySpan<char> text, int index) =>
        index < 0 || index >= text.Length || !char.IsLetterOrDigit(text[index]) && text[index] != '_';
}
