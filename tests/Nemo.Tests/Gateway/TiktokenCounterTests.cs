using System.Text;
using Microsoft.ML.Tokenizers;
using Nemo.Gateway.Proxy;

namespace Nemo.Tests.Gateway;

/// <summary>
/// Nemo's own tiktoken count (<see cref="TiktokenSplitter"/> + <see cref="TiktokenCounter"/>,
/// docs/decisions/0026-fast-exact-token-count.md) against Microsoft.ML.Tokenizers, for both encodings: the same pieces
/// as the library's pre-tokenizer (its regex) and the same count as its <c>CountTokens</c>, on every BMP character in
/// many contexts, on a hand-written corpus of hostile text and on thousands of seeded random strings; and
/// <see cref="PromptEncoding"/> still counts exactly what the library counted wherever it counted exactly before.
/// </summary>
public sealed class TiktokenCounterTests
{
    public static TheoryData<string> Encodings => new() { "o200k_base", "cl100k_base" };

    private sealed record Subject(TiktokenTokenizer Library, TiktokenCounter Counter, bool O200k, PromptEncoding Encoding);

    private static readonly Dictionary<string, Subject> Subjects = new()
    {
        ["o200k_base"] = Create("o200k_base", PromptEncoding.O200kBase),
        ["cl100k_base"] = Create("cl100k_base", PromptEncoding.Cl100kBase),
    };

    private static Subject Create(string name, PromptEncoding encoding)
    {
        TiktokenTokenizer library = TiktokenTokenizer.CreateForEncoding(name);
        bool o200k = name == "o200k_base";
        return new Subject(library, TiktokenCounter.Load(name), o200k, encoding);
    }

    private static List<(int Offset, int Length)> Pieces(Subject subject, string text)
    {
        var pieces = new List<(int, int)>();
        for (int i = 0; i < text.Length;)
        {
            int end = subject.O200k ? TiktokenSplitter.NextO200k<TiktokenSplitter.CodeUnits>(text, i) : TiktokenSplitter.NextCl100k<TiktokenSplitter.CodeUnits>(text, i);
            Assert.True(end > i && end <= text.Length, $"piece [{i}, {end}) of {Show(text)}");
            pieces.Add((i, end - i));
            i = end;
        }
        return pieces;
    }

    private static string Show(string text)
    {
        var shown = new StringBuilder("\"");
        foreach (char c in text)
            shown.Append(c is >= ' ' and < '\x7f' ? c.ToString() : $"\\u{(int)c:X4}");
        return shown.Append('"').ToString();
    }

    /// <summary>Pieces equal to the library's pre-tokenizer's; the count equal to its CountTokens.</summary>
    private static void AssertSame(Subject subject, string text, bool pieces = true)
    {
        if (pieces)
        {
            List<(int, int)> expected = [.. subject.Library.PreTokenizer!.PreTokenize(text)];
            List<(int, int)> actual = Pieces(subject, text);
            if (!expected.SequenceEqual(actual))
                Assert.Fail($"pieces of {Show(text)}: library [{string.Join(" ", expected)}], Nemo [{string.Join(" ", actual)}]");
        }
        int library = subject.Library.CountTokens(text);
        int counted = subject.Counter.CountAsLibrary(text);
        if (library != counted)
            Assert.Fail($"count of {Show(text)}: library {library}, Nemo {counted}");
        // The count Nemo uses: the library's, or tiktoken's where that is larger (text outside the BMP).
        int used = subject.Counter.Count(text);
        if (TiktokenSplitter.HasAstralWordCharacter(text) ? used != Math.Max(library, subject.Counter.CountAsTiktoken(text)) : used != library)
            Assert.Fail($"count used for {Show(text)}: {used}, library {library}");
    }

    /// <summary>Every UTF-16 code unit (letters of every category, marks, digits, whitespace, controls, lone surrogates) in contexts that exercise each alternative of the pattern.</summary>
    [Theory]
    [MemberData(nameof(Encodings))]
    public void EveryBmpCodeUnit_InEveryContext_SplitsAndCountsLikeTheLibrary(string encoding)
    {
        Subject subject = Subjects[encoding];
        string[] contexts =
        [
            "{0}", "a{0}", "{0}a", "A{0}", "{0}A", " {0}", "{0} ", "{0}{0}b", "'{0}", "a'{0}", "'{0}e", "'{0}l", "'l{0}", "A'{0}e",
            "Ab'{0}", "1{0}", "{0}12", "{0}\n", "\n{0}", "  {0}", "{0}/\n", "{0}'s", "x{0}'S", "{0}\u0301a", "\u0301{0}", "!{0}x",
            "\u00e9{0}", "\u4e2d{0}", "\u02b0{0}b", "a \t{0}", " {0}\r\n",
        ];
        for (int c = 0; c <= char.MaxValue; c++)
        {
            string unit = ((char)c).ToString();
            foreach (string context in contexts)
                AssertSame(subject, context.Replace("{0}", unit, StringComparison.Ordinal), pieces: true);
        }
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void HandWrittenCorpus_SplitsAndCountsLikeTheLibrary(string encoding)
    {
        Subject subject = Subjects[encoding];
        foreach (string text in Corpus())
        {
            AssertSame(subject, text);
            // Every prefix and suffix too: the end of the text changes what the whitespace alternatives match.
            for (int cut = 1; cut < text.Length && text.Length <= 80; cut++)
            {
                AssertSame(subject, text[..cut]);
                AssertSame(subject, text[cut..]);
            }
        }
    }

    /// <summary>Seeded random strings of fragments from every Unicode category Nemo's splitter tells apart.</summary>
    [Theory]
    [MemberData(nameof(Encodings))]
    public void SeededFuzzOfMixedFragments_SplitsAndCountsLikeTheLibrary(string encoding)
    {
        Subject subject = Subjects[encoding];
        var random = new Random(20261202);
        var text = new StringBuilder();
        for (int n = 0; n < 4000; n++)
        {
            text.Clear();
            int fragments = random.Next(1, 40);
            for (int f = 0; f < fragments; f++)
                text.Append(Fragments[random.Next(Fragments.Length)]);
            AssertSame(subject, text.ToString());
        }
    }

    /// <summary>Seeded random UTF-16 code units, surrogates (paired and lone) included.</summary>
    [Theory]
    [MemberData(nameof(Encodings))]
    public void SeededFuzzOfRandomCodeUnits_SplitsAndCountsLikeTheLibrary(string encoding)
    {
        Subject subject = Subjects[encoding];
        var random = new Random(42);
        (int From, int To)[] ranges = [(0, 0x80), (0x80, 0x800), (0x800, 0x3000), (0x3000, 0xD800), (0xD800, 0xE000), (0xE000, 0x10000), (0, 0x10000)];
        var text = new StringBuilder();
        for (int n = 0; n < 4000; n++)
        {
            text.Clear();
            int length = random.Next(1, 48);
            (int from, int to) = ranges[random.Next(ranges.Length)];
            for (int i = 0; i < length; i++)
            {
                int roll = random.Next(10);
                if (roll < 6)
                    text.Append((char)random.Next(from, to));
                else if (roll < 8)
                    text.Append((char)random.Next(0x20, 0x7f));
                else if (roll == 8)
                    text.Append(" \t\r\n'"[random.Next(5)]);
                else
                    text.Append(char.ConvertFromUtf32(random.Next(0x10000, 0x30000))); // a pair; the fuzz's lone surrogates come from the ranges
            }
            AssertSame(subject, text.ToString());
        }
    }

    /// <summary>Pieces longer than 128 UTF-8 bytes, which the library merges with its heap-based algorithm.</summary>
    [Theory]
    [MemberData(nameof(Encodings))]
    public void LongPieces_CountLikeTheLibrary(string encoding)
    {
        Subject subject = Subjects[encoding];
        var random = new Random(7);
        string[] alphabets =
        [
            "的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年", "ऀँंःअआइईउऊकखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसहािीुूृेैोौ्",
            "ابتثجحخدذرزسشصضطظعغفقكلمنهوي\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652", "аБвГдЕжЗиЙкЛмНоПрСтУфХцЧшЩъЫьЭюЯ",
            "!@#$%^&*()_+-=[]{};:,.<>?~`|\\\"", "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏàáâãäåæçèéêëìíîïǅǈʰʱ\u0300\u0301\u0302",
            "가각간갇갈감갑값강개객갠갤갬갭갯갰갱갸갹", "ぁあぃいぅうぇえぉおかがきぎくぐけげこごアイウエオカキクケコ",
        ];
        for (int n = 0; n < 400; n++)
        {
            string alphabet = alphabets[n % alphabets.Length];
            var text = new StringBuilder(n % 3 == 0 ? " " : "");
            int length = random.Next(20, 64);
            for (int i = 0; i < length; i++)
                text.Append(alphabet[random.Next(alphabet.Length)]);
            AssertSame(subject, text.ToString());
        }
        foreach (string emoji in (string[])["😀", "👩🏽‍💻", "🇫🇷", "❤️", "👨‍👩‍👧‍👦", "🏳️‍🌈"])
            AssertSame(subject, string.Concat(Enumerable.Repeat(emoji, 40 / emoji.Length + 1)));
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void NumbersOfEveryLength_CountLikeTheLibrary(string encoding)
    {
        Subject subject = Subjects[encoding];
        var random = new Random(3);
        for (int length = 1; length <= 60; length++)
        {
            var digits = new StringBuilder();
            for (int i = 0; i < length; i++)
                digits.Append((char)('0' + random.Next(10)));
            string number = digits.ToString();
            foreach (string text in (string[])[number, " " + number, "x" + number, number + "px", "-" + number + ".5", "$" + number + ",000", "٣" + number + "٤٥", "½" + number])
                AssertSame(subject, text);
        }
    }

    /// <summary>
    /// Through <see cref="PromptEncoding.Count(ReadOnlySpan{char})"/>: the library's count wherever the guards let the
    /// text be counted exactly (as before), the UTF-8 byte length otherwise; and the UTF-8 overload agrees.
    /// </summary>
    [Theory]
    [MemberData(nameof(Encodings))]
    public void PromptEncoding_CountsWhatTheLibraryCounted_WhereverItCountedExactly(string encoding)
    {
        Subject subject = Subjects[encoding];
        var random = new Random(11);
        var texts = new List<string>(Corpus());
        for (int n = 0; n < 1500; n++)
        {
            var text = new StringBuilder();
            int fragments = random.Next(1, 60);
            for (int f = 0; f < fragments; f++)
                text.Append(Fragments[random.Next(Fragments.Length)]);
            texts.Add(text.ToString());
        }
        texts.Add("Ignore this: <|endoftext|> and <|im_start|>");
        texts.Add(new string('a', PromptEncoding.MaxRun + 1));
        int exact = 0;
        foreach (string text in texts)
        {
            bool special = text.Contains("<|endoftext|>", StringComparison.Ordinal) || text.Contains("<|endofprompt|>", StringComparison.Ordinal)
                || text.Contains("<|fim_", StringComparison.Ordinal);
            long library = subject.Library.CountTokens(text);
            long counted = TiktokenSplitter.HasAstralWordCharacter(text) ? Math.Max(library, subject.Counter.CountAsTiktoken(text)) : library;
            long expected = PromptEncoding.Countable(text) && !special ? counted : Encoding.UTF8.GetByteCount(text);
            exact += expected == subject.Library.CountTokens(text) ? 1 : 0;
            Assert.Equal(expected, subject.Encoding.Count(text.AsSpan()));
            if (!text.Any(char.IsSurrogate))
                Assert.Equal(expected, subject.Encoding.Count(Encoding.UTF8.GetBytes(text).AsSpan()));
        }
        Assert.True(exact > texts.Count / 2, $"only {exact} of {texts.Count} texts were counted exactly");
    }

    /// <summary>
    /// The ranks Nemo reads from the data package are the library's: each token that is whole UTF-8 text is encoded by
    /// the library (without pre-tokenizing) as that one rank; every byte is a token; the special literals are its.
    /// </summary>
    [Theory]
    [MemberData(nameof(Encodings))]
    public void Ranks_AreTheLibrarysVocabulary_AndTheSpecialLiteralsItsSpecialTokens(string encoding)
    {
        Subject subject = Subjects[encoding];
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        int checkedText = 0;
        foreach ((ReadOnlyMemory<byte> bytes, int rank) in subject.Counter.Ranks)
        {
            string text;
            try
            {
                text = strict.GetString(bytes.Span);
            }
            catch (DecoderFallbackException)
            {
                continue; // part of a character: the library's text lookup can't be asked; the counts below cover it
            }
            if (text.Contains('\ufffd', StringComparison.Ordinal) || subject.Encoding.Specials.Contains(text))
                continue;
            Assert.Equal([rank], subject.Library.EncodeToIds(text, considerPreTokenization: false, considerNormalization: false));
            checkedText++;
        }
        Assert.True(checkedText > (encoding == "o200k_base" ? 190_000 : 95_000), $"{checkedText} tokens checked");
        for (int b = 0; b < 256; b++)
            Assert.True(subject.Counter.TryGetRank([(byte)b], out _), $"byte {b}");
        Assert.Equal(subject.Library.SpecialTokens!.Keys.Order(StringComparer.Ordinal), subject.Encoding.Specials.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Outside the BMP the library's regex reads a letter, number or mark as two "punctuation" code units and can count
    /// fewer tokens than tiktoken; Nemo's code-point count equals tiktoken's own (reference counts from OpenAI's tiktoken,
    /// <see cref="TiktokenReference"/>), and the count it uses is never below either.
    /// </summary>
    [Fact]
    public void OutsideTheBmp_TheCodePointCountIsTiktokens_AndTheCountUsedIsNeverBelowIt()
    {
        int libraryBelow = 0;
        foreach ((string encoding, string text, int tiktoken) in TiktokenReference.Cases)
        {
            Subject subject = Subjects[encoding];
            int library = subject.Library.CountTokens(text);
            Assert.True(tiktoken == subject.Counter.CountAsTiktoken(text), $"{encoding} {Show(text)}: tiktoken {tiktoken}, Nemo's code-point count {subject.Counter.CountAsTiktoken(text)}");
            Assert.Equal(Math.Max(library, tiktoken), subject.Counter.Count(text));
            libraryBelow += library < tiktoken ? 1 : 0;
        }
        // The reason for the code-point count: the library alone falls short of OpenAI's count on some of these.
        Assert.True(libraryBelow > 0);
        Assert.True(TiktokenReference.Cases.Length >= 1000);
        // A digit outside the BMP after a space: one piece to the library, two to tiktoken.
        Subject cl100k = Subjects["cl100k_base"];
        Assert.True(cl100k.Counter.Count("a \U0001D7D9") >= cl100k.Counter.CountAsTiktoken("a \U0001D7D9"));
        Assert.True(TiktokenSplitter.HasAstralWordCharacter("a \U0001D7D9"));
        Assert.False(TiktokenSplitter.HasAstralWordCharacter("emoji 😀👍🏽🇫🇷 👩‍💻 and a lone \ud800"));
    }

    /// <summary>The hot path allocates nothing: counting a 2 KB prompt, as text or as UTF-8, after the vocabulary has loaded.</summary>
    [Fact]
    public void Counting_AllocatesNothing()
    {
        string prompt = string.Concat(Enumerable.Repeat("Please summarise the quarterly report: revenue grew 12% in Q3 2026, costs fell.\n", 24));
        byte[] utf8 = Encoding.UTF8.GetBytes(prompt);
        long expected = Subjects["o200k_base"].Library.CountTokens(prompt);
        // The first calls load the vocabulary, and the first use of the shared ArrayPool on a thread (a 2 KB string is
        // transcoded in a pooled buffer) allocates the thread's pool cache: warm both overloads first.
        Assert.Equal(expected, PromptEncoding.O200kBase.Count(prompt.AsSpan()));
        Assert.Equal(expected, PromptEncoding.O200kBase.Count(utf8.AsSpan()));
        long before = GC.GetAllocatedBytesForCurrentThread();
        long counted = PromptEncoding.O200kBase.Count(prompt.AsSpan()) + PromptEncoding.O200kBase.Count(utf8.AsSpan());
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(2 * expected, counted);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void EnglishWords_AreOneVocabularyLookupEach()
    {
        Subject subject = Subjects["o200k_base"];
        Span<byte> scratch = stackalloc byte[64];
        foreach (string piece in (string[])[" the", " quarterly", " report", "Please", ",", ".\n", " growth", "202", "6"])
            Assert.True(subject.Counter.CountPiece(piece, scratch) == 1, $"'{piece}' is not one token");
        Assert.Equal(subject.Library.CountTokens(" antidisestablishmentarianism"), subject.Counter.CountPiece(" antidisestablishmentarianism", scratch));
        Assert.True(subject.Counter.CountPiece(" antidisestablishmentarianism", scratch) > 1);
    }

    private static readonly string[] Fragments =
    [
        "the", " the", "The", " THE", "quarterly", " Report", "iPhone", "McDonald", "XMLHttpRequest", "camelCase", "snake_case", "ǅungla", "ʰa",
        "'s", "'S", "'ll", "'LL", "'re", "'Re", "'ve", "'VE", "'m", "'M", "'d", "'D", "'t", "'T", "'x", "'", "ſ", "'ſ", "K", "İ", "ß",
        "0", "1", "42", "123", "2026", "1234567", "3.14159", "-7", "1,000,000", "٣٤٥", "१२३", "½", "Ⅻ", "²", "𝟙𝟚",
        " ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\r\n", "\r", " \n", "\n ", " \r\n ", "\u00a0", "\u3000", "\u2028", "\u2029", "\u0085", "\v", "\f", "\u200b", "\u2009",
        ".", ",", "!", "?", "...", "--", "—", "/", "//", "/\n", "\\", "(", ")", "{", "}", "[", "]", "\"", "`", "```", "#", "@", "$", "%", "^", "&", "*", "_", "+", "=", "<", ">", "|", "~", ";", ":",
        "<|", "|>", "<|endof", "\u0000", "\u0001", "\u007f", "\u009f",
        "{\"key\": \"value\", \"n\": [1, 2, 3]}", "def f(x):\n    return x ** 2\n", "if (a && b) { c(); }", "https://example.com/a/b?c=d",
        "中文", "日本語", "한국어", "漢字かなカナ", "，", "。", "「", "」",
        "مرحبا", "العَرَبِيَّة", "\u064b", "\u0651", "नमस्ते", "हिन्दी", "\u093f", "\u094d", "\u0301", "e\u0301", "\u20dd", "\u0488",
        "😀", "👍🏽", "👩‍💻", "👨‍👩‍👧‍👦", "🇫🇷", "🇺🇸", "❤️", "\u200d", "\ufe0f", "🏳️‍🌈", "𝐀𝐁", "𝐚", "𠀀", "\ud800", "\udc00", "\ufffd", "\ufeff",
        "Ωmega", "ΣΙΣΥΦΟΣ", "привет", "Привет", "ǈ", "ǲ",
    ];

    private static IEnumerable<string> Corpus() =>
    [
        "",
        "Please summarise the following notes for the board, in three bullet points:\n\nthe quarterly report shows growth in revenue.",
        "The quick brown fox jumps over the lazy dog. THE QUICK BROWN FOX! The Quick Brown Fox?",
        "I'm sure it's fine, they're here, we've gone, he'll come, she'd know, don't. I'M SURE IT'S, THEY'RE, WE'VE, HE'LL, SHE'D, DON'T.",
        "It'S mixed'Ll cases'rE and'vE weird'M ones'D and 'tis ''s '' 's'",
        "Numbers: 1 12 123 1234 12345 123456 1234567 3.14159 -42 +7 1e10 0x1F 1,000,000 2026-12-02T17:43:29Z",
        "public static int Main(string[] args)\n{\n    Console.WriteLine(\"Hello, World!\");\n    return 0;\n}\n",
        "def f(x):\n\tif x > 0:\n\t\treturn x ** 2  # square\n\treturn -x\n\n\n",
        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":200,\"stream\":true}",
        "   leading spaces", "trailing spaces   ", "trailing newline\n", "trailing mix \n \t ", "\n\n\nnewlines first", "tabs\tin\t\tbetween",
        "a  b   c    d", "a \n b", "a\r\nb\r\n\r\nc", "space before punctuation  ! and  ?", " \t \n \r\n  x", "x \u00a0 y\u3000z\u2028w\u2029v\u0085u",
        "path/to/file.txt and /usr/bin/env and C:\\Windows\\System32 and //comment\n/* block */",
        "中文文本，包含标点符号。日本語のテキスト、カタカナとひらがな。한국어 텍스트입니다.",
        "العربية مع التشكيل: العَرَبِيَّةُ لُغَةٌ جَمِيلَةٌ. हिन्दी में पाठ: नमस्ते दुनिया, यह एक परीक्षण है।",
        "emoji: 😀😃😄 👍🏽👍🏿 👩‍💻👨‍👩‍👧‍👦 🇫🇷🇺🇸🇯🇵 ❤️‍🔥 🏳️‍🌈 and text😀after",
        "math letters 𝐀𝐁𝐂 𝐚𝐛𝐜 𝔸𝔹 and CJK extension B 𠀀𠀁 and a lone \ud800 high and \udc00 low surrogate\ud83d",
        "combining: e\u0301 a\u0308 n\u0303 \u0301alone Z\u0351\u0352\u0353algo ǅ ǈ ʰʲ ᵃ",
        "ſ 'ſ K 'K İstanbul ß STRASSE ﬁ ﬂ",
        "control \u0000 \u0001 \u001f \u007f \u0080 \u009f chars and BOM \ufeff and zero-width\u200bspace\u200c\u200d",
        "<|not a special|> <| |> <|endof text|> |>",
        "a'sb 'sb x' s x 's x's's x'''s",
        "MIXEDCase camelCaseWord PascalCase XMLParser iOS macOS eBay ABCdef abcDEF",
        "ΑΒΓ αβγ Ωmega ПРИВЕТ привет Привет",
        "#!/bin/bash\nfor i in $(seq 1 10); do echo \"$i\"; done\n",
        "<html><body><p class=\"x\">Hello&nbsp;world</p></body></html>",
        "SELECT id, name FROM users WHERE age >= 18 AND name LIKE '%son' ORDER BY id DESC;",
        "- item one\n- item two\n  - nested\n\n1. first\n2. second\n",
        "...!!!???,,,;;;:::---___+++===",
        "\n", "\r\n", " ", "  ", "\t", "'", "'s", " 's", "a", "A", "1", "12345", "😀", "\ud800", "\udfff", "\ufffd", "\u0301",
    ];
}
