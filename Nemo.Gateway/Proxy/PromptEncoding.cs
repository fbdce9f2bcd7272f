using System.Buffers;
using System.Globalization;
using System.Text;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// A tokenizer a deployment may be configured with (<c>Nemo:Providers:{p}:Models:{m}:Tokenizer</c>), used to bound a
/// prompt by its exact token count instead of its byte length (docs/decisions/0024-exact-prompt-bounds.md). Each is
/// loaded once, on first use. The count is <see cref="TiktokenCounter"/>'s, equal to Microsoft.ML.Tokenizers'
/// <c>CountTokens</c> (docs/decisions/0026-fast-exact-token-count.md). <see cref="Count"/> is an upper bound of what
/// the provider's tiktoken counts for the text, never below it: where a count could fall short, or cost too much, the
/// text's UTF-8 byte length is used instead (a byte-level BPE never makes more tokens than bytes):
/// <list type="bullet">
/// <item>a special token's literal (<c>&lt;|endoftext|&gt;</c>…): Microsoft.ML.Tokenizers reads it as one special
/// token, the provider as plain text (several tokens). Nemo's own counter reads it as text too, but the guard stays:
/// such a literal in a prompt is rare and odd, and bytes are the bound that needs no argument;</item>
/// <item>a run of more than <see cref="MaxRun"/> characters of one class (letters, punctuation/symbols, whitespace)
/// would be one pre-token, whose byte-pair merge costs time quadratic in its length: a hostile prompt of one
/// 100,000-letter word would hold a core for seconds. Such text is not tokenized at all.</item>
/// </list>
/// </summary>
internal sealed class PromptEncoding
{
    /// <summary>Longest run of one character class counted exactly (English words, CJK clauses and emoji runs fit easily).</summary>
    internal const int MaxRun = 64;

    /// <summary>Strings up to this length are transcoded on the stack; longer ones borrow a pooled buffer.</summary>
    private const int StackChars = 512;

    public static readonly PromptEncoding O200kBase = new("o200k_base", ["<|endoftext|>", "<|endofprompt|>"]);
    public static readonly PromptEncoding Cl100kBase = new("cl100k_base", ["<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|endofprompt|>"]);

    /// <summary>The special tokens' literals (tiktoken's, as Microsoft.ML.Tokenizers defines them for the encoding).</summary>
    internal IReadOnlyList<string> Specials => _specials;

    private readonly Lazy<TiktokenCounter> _counter;
    private readonly string[] _specials;

    private PromptEncoding(string name, string[] specials)
    {
        Name = name;
        _specials = specials;
        _counter = new Lazy<TiktokenCounter>(() => TiktokenCounter.Load(name));
    }

    /// <summary>The encoding's name as tiktoken spells it.</summary>
    public string Name { get; }

    /// <summary>The known encodings, by name (case-insensitive).</summary>
    public static bool TryGet(string? name, out PromptEncoding encoding)
    {
        encoding = string.Equals(name, O200kBase.Name, StringComparison.OrdinalIgnoreCase) ? O200kBase
            : string.Equals(name, Cl100kBase.Name, StringComparison.OrdinalIgnoreCase) ? Cl100kBase
            : null!;
        return encoding is not null;
    }

    /// <summary>Tokens of the text: exact where it can be, else its UTF-8 byte length (see the class summary).</summary>
    public long Count(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
            return 0;
        TiktokenCounter counter = _counter.Value;
        if (!Countable(text) || ContainsSpecial(text))
            return Encoding.UTF8.GetByteCount(text);
        return counter.Count(text);
    }

    /// <summary>Tokens of UTF-8 text (valid UTF-8: a JSON string's unescaped value), transcoded without a heap string.</summary>
    public long Count(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
            return 0;
        int max = utf8.Length; // UTF-16 never needs more chars than UTF-8 has bytes
        char[]? rented = null;
        Span<char> chars = max <= StackChars ? stackalloc char[StackChars] : (rented = ArrayPool<char>.Shared.Rent(max));
        try
        {
            int written = Encoding.UTF8.GetChars(utf8, chars);
            return Count(chars[..written]);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<char>.Shared.Return(rented);
        }
    }

    private bool ContainsSpecial(ReadOnlySpan<char> text)
    {
        if (!text.Contains("<|", StringComparison.Ordinal))
            return false;
        foreach (string special in _specials)
        {
            if (text.Contains(special, StringComparison.Ordinal))
                return true;
        }
        return false;
    }

    /// <summary>
    /// Whether every run of characters that tiktoken's pre-tokenizers (o200k_base's and cl100k_base's patterns) could
    /// put in one pre-token is at most <see cref="MaxRun"/> long. A pre-token is letters and marks (after one leading
    /// character), or punctuation/symbols followed by newlines and slashes, or whitespace, or at most three digits; a
    /// character that may belong to several of those sets (a mark, a joiner, a control character, a slash) extends each.
    /// </summary>
    internal static bool Countable(ReadOnlySpan<char> text)
    {
        int letters = 0, others = 0, spaces = 0, newlines = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            Sets sets;
            int width = 1;
            if (c < 128)
            {
                sets = Ascii[c];
            }
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sets = Classify(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, text[i + 1])));
                width = 2;
                i++;
            }
            else
            {
                sets = Classify(CharUnicodeInfo.GetUnicodeCategory(c));
            }
            letters = (sets & Sets.Letter) != 0 ? letters + width : 0;
            others = (sets & Sets.Other) != 0 ? others + width : 0;
            spaces = (sets & Sets.Space) != 0 ? spaces + width : 0;
            newlines = (sets & Sets.Newline) != 0 ? newlines + width : 0;
            if (letters > MaxRun || others > MaxRun || spaces > MaxRun || newlines > MaxRun)
                return false;
        }
        return true;
    }

    /// <summary>The pre-token alphabets a character may belong to (none: a digit).</summary>
    [Flags]
    private enum Sets : byte { None = 0, Letter = 1, Other = 2, Space = 4, Newline = 8 }

    private static readonly Sets[] Ascii = BuildAscii();

    private static Sets[] BuildAscii()
    {
        var table = new Sets[128];
        for (int c = 0; c < 128; c++)
            table[c] = Classify(CharUnicodeInfo.GetUnicodeCategory((char)c));
        table['\r'] = table['\n'] = Sets.Space | Sets.Newline;
        table['/'] = Sets.Other | Sets.Newline;
        return table;
    }

    private static Sets Classify(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Sets.Letter,
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Sets.None,
        UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => Sets.Space,
        UnicodeCategory.Control => Sets.Space | Sets.Other | Sets.Newline, // \t \n \r… are whitespace, the other controls punctuation
        UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format => Sets.Letter | Sets.Other, // with letters in o200k_base, punctuation in cl100k_base
        _ => Sets.Other,
    };
}
