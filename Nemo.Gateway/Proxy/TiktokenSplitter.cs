using System.Globalization;
using System.Runtime.CompilerServices;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// tiktoken's pre-tokenizers for o200k_base and cl100k_base, hand-written: the same pieces as Microsoft.ML.Tokenizers'
/// regular expressions (<c>TiktokenTokenizer.O200kBaseRegex()</c>, <c>Cl100kBaseRegex()</c>), found in one forward scan
/// instead of a backtracking regex, which was about a third of the library's counting time. Each method returns where
/// the piece that starts at <c>i</c> ends; the comments give the alternative of the pattern each branch implements.
/// Like the library's .NET regex (and unlike tiktoken's Rust one) it classifies UTF-16 code units: a surrogate is
/// neither letter, number nor space, so a character outside the BMP is "punctuation" to both — the count must equal
/// the library's. <c>TiktokenSplitterTests</c> compares the pieces with the library's regex for every BMP character in
/// many contexts and on fuzzed text.
/// </summary>
internal static class TiktokenSplitter
{
    /// <summary>The pattern sets a UTF-16 code unit belongs to.</summary>
    [Flags]
    private enum Cls : byte
    {
        None = 0,
        /// <summary><c>\p{L}</c>.</summary>
        Letter = 1,
        /// <summary>o200k_base's "upper" set <c>[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]</c>.</summary>
        Upper = 2,
        /// <summary>o200k_base's "lower" set <c>[\p{Ll}\p{Lm}\p{Lo}\p{M}]</c>.</summary>
        Lower = 4,
        /// <summary><c>\p{N}</c>.</summary>
        Number = 8,
        /// <summary><c>\s</c> (.NET: <see cref="char.IsWhiteSpace(char)"/>).</summary>
        Space = 16,
        /// <summary><c>\r</c> or <c>\n</c>.</summary>
        Newline = 32,
    }

    /// <summary>One entry per UTF-16 code unit (64 KB, built once).</summary>
    private static readonly Cls[] Table = BuildTable();

    private static Cls[] BuildTable()
    {
        var table = new Cls[char.MaxValue + 1];
        for (int c = 0; c <= char.MaxValue; c++)
        {
            Cls cls = CharUnicodeInfo.GetUnicodeCategory((char)c) switch
            {
                UnicodeCategory.UppercaseLetter or UnicodeCategory.TitlecaseLetter => Cls.Letter | Cls.Upper,
                UnicodeCategory.LowercaseLetter => Cls.Letter | Cls.Lower,
                UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Cls.Letter | Cls.Upper | Cls.Lower,
                UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => Cls.Upper | Cls.Lower,
                UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Cls.Number,
                _ => Cls.None,
            };
            if (char.IsWhiteSpace((char)c))
                cls |= Cls.Space;
            if (c is '\r' or '\n')
                cls |= Cls.Newline;
            table[c] = cls;
        }
        return table;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Cls Of(char c) => Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(Table), c);

    /// <summary><c>[^\r\n\p{L}\p{N}]</c>: what may lead a word.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsPrefix(Cls c) => (c & (Cls.Letter | Cls.Number | Cls.Newline)) == 0;

    /// <summary><c>[^\s\p{L}\p{N}]</c>: punctuation, symbols, controls, marks, surrogates.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsOther(Cls c) => (c & (Cls.Letter | Cls.Number | Cls.Space)) == 0;

    /// <summary>In o200k_base's lower set but not its upper set: <c>\p{Ll}</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsLowerOnly(Cls c) => (c & (Cls.Upper | Cls.Lower)) == Cls.Lower;

    /// <summary>The end of o200k_base's piece starting at <paramref name="i"/> (&lt; the text's length).</summary>
    public static int NextO200k(ReadOnlySpan<char> text, int i)
    {
        Cls c = Of(text[i]);
        bool prefix = IsPrefix(c);
        int end;
        // [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
        if ((prefix && (end = LowerWord(text, i + 1)) >= 0) || (end = LowerWord(text, i)) >= 0)
            return end;
        // [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
        if ((prefix && (end = UpperWord(text, i + 1)) >= 0) || (end = UpperWord(text, i)) >= 0)
            return end;
        // \p{N}{1,3}
        if ((c & Cls.Number) != 0)
            return Digits(text, i);
        //  ?[^\s\p{L}\p{N}]+[\r\n/]*
        if ((end = Punctuation(text, i, slash: true)) >= 0)
            return end;
        // \s*[\r\n]+ | \s+(?!\S) | \s+
        int run = SpaceRun(text, i);
        int newline = LastNewline(text, i, run);
        if (newline >= 0)
            return newline + 1;
        return run == text.Length || run - 1 == i ? run : run - 1;
    }

    /// <summary>The end of cl100k_base's piece starting at <paramref name="i"/> (&lt; the text's length).</summary>
    public static int NextCl100k(ReadOnlySpan<char> text, int i)
    {
        char first = text[i];
        Cls c = Of(first);
        // '(?i:[sdmt]|ll|ve|re)
        if (first == '\'' && i + 1 < text.Length)
        {
            char a = text[i + 1];
            if (Is(a, 's') || Is(a, 'd') || Is(a, 'm') || Is(a, 't'))
                return i + 2;
            if (i + 2 < text.Length)
            {
                char b = text[i + 2];
                if ((Is(a, 'l') && Is(b, 'l')) || (Is(a, 'v') && Is(b, 'e')) || (Is(a, 'r') && Is(b, 'e')))
                    return i + 3;
            }
        }
        // (?>[^\r\n\p{L}\p{N}]?)(?>\p{L}+)
        int start = IsPrefix(c) && i + 1 < text.Length ? i + 1 : i;
        if ((Of(text[start]) & Cls.Letter) != 0)
        {
            int end = start + 1;
            while (end < text.Length && (Of(text[end]) & Cls.Letter) != 0)
                end++;
            return end;
        }
        // (?>\p{N}{1,3})
        if ((c & Cls.Number) != 0)
            return Digits(text, i);
        //  ?(?>[^\s\p{L}\p{N}]+)(?>[\r\n]*)
        int punctuation = Punctuation(text, i, slash: false);
        if (punctuation >= 0)
            return punctuation;
        // (?>\s+)$ | \s*[\r\n] | \s+(?!\S) | \s
        int run = SpaceRun(text, i);
        if (run == text.Length)
            return run;
        int newline = LastNewline(text, i, run);
        if (newline >= 0)
            return newline + 1;
        return run - 1 > i ? run - 1 : i + 1;
    }

    /// <summary>
    /// <c>[upper]*[lower]+</c> and an optional contraction from <paramref name="start"/>, or -1. The upper run is greedy;
    /// if what follows it is not in the lower set, the regex backs off to the run's last character that is in both.
    /// </summary>
    private static int LowerWord(ReadOnlySpan<char> text, int start)
    {
        int k = start;
        while (k < text.Length && (Of(text[k]) & Cls.Upper) != 0)
            k++;
        int end;
        if (k < text.Length && IsLowerOnly(Of(text[k])))
        {
            end = k + 1;
            while (end < text.Length && (Of(text[end]) & Cls.Lower) != 0)
                end++;
        }
        else
        {
            int last = k - 1;
            while (last >= start && (Of(text[last]) & Cls.Lower) == 0)
                last--;
            if (last < start)
                return -1;
            end = last + 1;
        }
        return Contraction(text, end);
    }

    /// <summary><c>[upper]+[lower]*</c> and an optional contraction from <paramref name="start"/>, or -1.</summary>
    private static int UpperWord(ReadOnlySpan<char> text, int start)
    {
        int end = start;
        while (end < text.Length && (Of(text[end]) & Cls.Upper) != 0)
            end++;
        if (end == start)
            return -1;
        while (end < text.Length && (Of(text[end]) & Cls.Lower) != 0)
            end++;
        return Contraction(text, end);
    }

    /// <summary><c>(?i:'s|'t|'re|'ve|'m|'ll|'d)?</c> at <paramref name="end"/>.</summary>
    private static int Contraction(ReadOnlySpan<char> text, int end)
    {
        if (end + 1 >= text.Length || text[end] != '\'')
            return end;
        char a = text[end + 1];
        if (Is(a, 's') || Is(a, 't') || Is(a, 'm') || Is(a, 'd'))
            return end + 2;
        if (end + 2 < text.Length)
        {
            char b = text[end + 2];
            if ((Is(a, 'r') && Is(b, 'e')) || (Is(a, 'v') && Is(b, 'e')) || (Is(a, 'l') && Is(b, 'l')))
                return end + 3;
        }
        return end;
    }

    /// <summary>
    /// The regex's case-insensitive match of an ASCII lower-case letter: either case, nothing else (the library's
    /// regexes are culture-invariant; U+017F ſ and U+212A K are not matched, as the BMP test confirms).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Is(char c, char lower) => (c | 0x20) == lower;

    private static int Digits(ReadOnlySpan<char> text, int i)
    {
        int end = i + 1;
        while (end < text.Length && end - i < 3 && (Of(text[end]) & Cls.Number) != 0)
            end++;
        return end;
    }

    /// <summary><c> ?[^\s\p{L}\p{N}]+[\r\n]*</c> (with <c>/</c> among the trailing characters for o200k_base), or -1.</summary>
    private static int Punctuation(ReadOnlySpan<char> text, int i, bool slash)
    {
        int start = text[i] == ' ' && i + 1 < text.Length && IsOther(Of(text[i + 1])) ? i + 1 : i;
        if (!IsOther(Of(text[start])))
            return -1;
        int end = start + 1;
        while (end < text.Length && IsOther(Of(text[end])))
            end++;
        while (end < text.Length && (text[end] is '\r' or '\n' || (slash && text[end] == '/')))
            end++;
        return end;
    }

    /// <summary>The end of the whitespace run starting at <paramref name="i"/>.</summary>
    private static int SpaceRun(ReadOnlySpan<char> text, int i)
    {
        int end = i + 1;
        while (end < text.Length && (Of(text[end]) & Cls.Space) != 0)
            end++;
        return end;
    }

    /// <summary>The last <c>\r</c> or <c>\n</c> in [start, end), or -1.</summary>
    private static int LastNewline(ReadOnlySpan<char> text, int start, int end) =>
        text[start..end].LastIndexOfAny('\r', '\n') is int at and >= 0 ? start + at : -1;
}
