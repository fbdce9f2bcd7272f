using System.Globalization;
using System.Runtime.CompilerServices;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// tiktoken's pre-tokenizers for o200k_base and cl100k_base, hand-written: the same pieces as Microsoft.ML.Tokenizers'
/// regular expressions (<c>TiktokenTokenizer.O200kBaseRegex()</c>, <c>Cl100kBaseRegex()</c>), found in one forward scan
/// instead of a backtracking regex, which was about a third of the library's counting time. Each method returns where
/// the piece that starts at <c>i</c> ends; the comments give the alternative of the pattern each branch implements.
/// Two readings, chosen by the type argument: <see cref="CodeUnits"/> classifies UTF-16 code units like the library's
/// .NET regex (a surrogate is neither letter, number nor space, so every character outside the BMP is "punctuation"),
/// <see cref="CodePoints"/> classifies code points like tiktoken's Rust regex, which is what OpenAI counts with. They
/// differ only on text with a letter, number or mark outside the BMP (<see cref="HasAstralWordCharacter"/>), where the
/// library can count fewer tokens than tiktoken (" 𝟙" is one piece to it, two to tiktoken). <c>TiktokenCounterTests</c>
/// compares the code-unit pieces with the library's regex for every BMP character in many contexts and on fuzzed
/// text, and the code-point count with tiktoken's on reference strings.
/// </summary>
internal static class TiktokenSplitter
{
    /// <summary>The pattern sets a UTF-16 code unit belongs to.</summary>
    [Flags]
    internal enum Cls : byte
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
            Cls cls = Classify(CharUnicodeInfo.GetUnicodeCategory((char)c));
            if (char.IsWhiteSpace((char)c))
                cls |= Cls.Space;
            if (c is '\r' or '\n')
                cls |= Cls.Newline;
            table[c] = cls;
        }
        return table;
    }

    private static Cls Classify(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.TitlecaseLetter => Cls.Letter | Cls.Upper,
        UnicodeCategory.LowercaseLetter => Cls.Letter | Cls.Lower,
        UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Cls.Letter | Cls.Upper | Cls.Lower,
        UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => Cls.Upper | Cls.Lower,
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Cls.Number,
        _ => Cls.None,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Cls Of(char c) => Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(Table), c);

    /// <summary>How the pattern's character classes see the text: by UTF-16 code unit or by code point.</summary>
    internal interface IUnits
    {
        /// <summary>The classes of the unit at <paramref name="i"/> and its length in chars.</summary>
        static abstract Cls At(ReadOnlySpan<char> text, int i, out int width);
    }

    /// <summary>Microsoft.ML.Tokenizers' .NET regex: every UTF-16 code unit on its own, a surrogate in no class.</summary>
    internal readonly struct CodeUnits : IUnits
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Cls At(ReadOnlySpan<char> text, int i, out int width)
        {
            width = 1;
            return Of(text[i]);
        }
    }

    /// <summary>tiktoken's Rust regex: a surrogate pair is one character, classified by its code point.</summary>
    internal readonly struct CodePoints : IUnits
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Cls At(ReadOnlySpan<char> text, int i, out int width)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                width = 2;
                return Classify(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, text[i + 1])));
            }
            width = 1;
            return Of(c);
        }
    }

    /// <summary>
    /// Whether the two readings can split the text differently: it holds a character outside the BMP that is a letter,
    /// number or mark (a surrogate pair that the .NET regex reads as two "punctuation" code units). Emoji, flags, skin
    /// tones and tags are symbols or format characters, the same class either way.
    /// </summary>
    public static bool HasAstralWordCharacter(ReadOnlySpan<char> text)
    {
        for (int i = text.IndexOfAnyInRange('\uD800', '\uDBFF'); i >= 0 && i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && CodePoints.At(text, i, out int width) != Cls.None && width == 2)
                return true;
        }
        return false;
    }

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
    public static int NextO200k<TUnits>(ReadOnlySpan<char> text, int i) where TUnits : struct, IUnits
    {
        Cls c = TUnits.At(text, i, out int width);
        bool prefix = IsPrefix(c);
        int end;
        // [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
        if ((prefix && (end = LowerWord<TUnits>(text, i + width)) >= 0) || (end = LowerWord<TUnits>(text, i)) >= 0)
            return end;
        // [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
        if ((prefix && (end = UpperWord<TUnits>(text, i + width)) >= 0) || (end = UpperWord<TUnits>(text, i)) >= 0)
            return end;
        // \p{N}{1,3}
        if ((c & Cls.Number) != 0)
            return Digits<TUnits>(text, i);
        //  ?[^\s\p{L}\p{N}]+[\r\n/]*
        if ((end = Punctuation<TUnits>(text, i, slash: true)) >= 0)
            return end;
        // \s*[\r\n]+ | \s+(?!\S) | \s+  (whitespace is all in the BMP: one char is one unit)
        int run = SpaceRun(text, i);
        int newline = LastNewline(text, i, run);
        if (newline >= 0)
            return newline + 1;
        return run == text.Length || run - 1 == i ? run : run - 1;
    }

    /// <summary>The end of cl100k_base's piece starting at <paramref name="i"/> (&lt; the text's length).</summary>
    public static int NextCl100k<TUnits>(ReadOnlySpan<char> text, int i) where TUnits : struct, IUnits
    {
        char first = text[i];
        Cls c = TUnits.At(text, i, out int width);
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
        int start = IsPrefix(c) && i + width < text.Length ? i + width : i;
        if ((TUnits.At(text, start, out int w) & Cls.Letter) != 0)
        {
            int end = start + w;
            while (end < text.Length && (TUnits.At(text, end, out w) & Cls.Letter) != 0)
                end += w;
            return end;
        }
        // (?>\p{N}{1,3})
        if ((c & Cls.Number) != 0)
            return Digits<TUnits>(text, i);
        //  ?(?>[^\s\p{L}\p{N}]+)(?>[\r\n]*)
        int punctuation = Punctuation<TUnits>(text, i, slash: false);
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
    /// if what follows it is not in the lower set, the regex backs off to the end of the run's last character that is
    /// in both sets.
    /// </summary>
    private static int LowerWord<TUnits>(ReadOnlySpan<char> text, int start) where TUnits : struct, IUnits
    {
        int k = start, lastLowerEnd = -1, w = 0;
        Cls c = Cls.None;
        while (k < text.Length && ((c = TUnits.At(text, k, out w)) & Cls.Upper) != 0)
        {
            k += w;
            if ((c & Cls.Lower) != 0)
                lastLowerEnd = k;
        }
        int end;
        if (k < text.Length && IsLowerOnly(c))
        {
            end = k + w;
            while (end < text.Length && (TUnits.At(text, end, out w) & Cls.Lower) != 0)
                end += w;
        }
        else if (lastLowerEnd >= 0)
        {
            end = lastLowerEnd;
        }
        else
        {
            return -1;
        }
        return Contraction(text, end);
    }

    /// <summary><c>[upper]+[lower]*</c> and an optional contraction from <paramref name="start"/>, or -1.</summary>
    private static int UpperWord<TUnits>(ReadOnlySpan<char> text, int start) where TUnits : struct, IUnits
    {
        int end = start, w;
        while (end < text.Length && (TUnits.At(text, end, out w) & Cls.Upper) != 0)
            end += w;
        if (end == start)
            return -1;
        while (end < text.Length && (TUnits.At(text, end, out w) & Cls.Lower) != 0)
            end += w;
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

    private static int Digits<TUnits>(ReadOnlySpan<char> text, int i) where TUnits : struct, IUnits
    {
        TUnits.At(text, i, out int end);
        end += i;
        for (int digits = 1; digits < 3 && end < text.Length && (TUnits.At(text, end, out int w) & Cls.Number) != 0; digits++)
            end += w;
        return end;
    }

    /// <summary><c> ?[^\s\p{L}\p{N}]+[\r\n]*</c> (with <c>/</c> among the trailing characters for o200k_base), or -1.</summary>
    private static int Punctuation<TUnits>(ReadOnlySpan<char> text, int i, bool slash) where TUnits : struct, IUnits
    {
        int start = text[i] == ' ' && i + 1 < text.Length && IsOther(TUnits.At(text, i + 1, out _)) ? i + 1 : i;
        if (!IsOther(TUnits.At(text, start, out int w)))
            return -1;
        int end = start + w;
        while (end < text.Length && IsOther(TUnits.At(text, end, out w)))
            end += w;
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
