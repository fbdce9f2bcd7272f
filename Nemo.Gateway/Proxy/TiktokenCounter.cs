using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Numerics;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// Counts the tokens of a text exactly as Microsoft.ML.Tokenizers' <c>TiktokenTokenizer.CountTokens</c> does, without
/// its regex or per-piece strings (docs/decisions/0026-fast-exact-token-count.md): <see cref="TiktokenSplitter"/> cuts
/// the text into the same pieces; a piece whose UTF-8 bytes are one vocabulary entry is one token (as in tiktoken and
/// the library, most English pieces are); any other piece is byte-pair merged here with the library's own ranks, by
/// tiktoken's rule (repeatedly merge the adjacent pair whose joined bytes rank lowest, leftmost first). Nothing is
/// allocated per call for pieces up to <see cref="StackBytes"/> UTF-8 bytes.
/// </summary>
internal sealed class TiktokenCounter
{
    /// <summary>Pieces whose UTF-8 form fits are transcoded and merged on the stack; longer ones borrow pooled arrays.</summary>
    private const int StackBytes = 512;

    private readonly bool _o200k;

    // The BCL dictionary keyed by token bytes, looked up by span through an alternate comparer (no allocation per lookup).
    private readonly Dictionary<ReadOnlyMemory<byte>, int>.AlternateLookup<ReadOnlySpan<byte>> _ranks;

    private TiktokenCounter(bool o200k, Dictionary<ReadOnlyMemory<byte>, int> ranks)
    {
        _o200k = o200k;
        _ranks = ranks.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <summary>The vocabulary: each token's bytes and rank (special tokens not included).</summary>
    internal IReadOnlyDictionary<ReadOnlyMemory<byte>, int> Ranks => _ranks.Dictionary;

    /// <summary>
    /// The encoding's ranks, read from the same file Microsoft.ML.Tokenizers reads (the embedded
    /// <c>{encoding}.tiktoken.deflate</c> of its data package, OpenAI's published tiktoken file): the library keeps its
    /// byte-level ranks internal, and its public <c>Vocabulary</c> leaves out the tokens that are not whole UTF-8
    /// characters, which the merge needs. Parsed as the library parses it (<c>LoadTiktokenBpeAsync</c>): an optional
    /// <c>Capacity: n</c> line, then either one base64 token per line (its rank the line's number) or "base64 rank".
    /// </summary>
    public static TiktokenCounter Load(string encoding)
    {
        string package = encoding switch
        {
            "o200k_base" => "Microsoft.ML.Tokenizers.Data.O200kBase",
            "cl100k_base" => "Microsoft.ML.Tokenizers.Data.Cl100kBase",
            _ => throw new ArgumentException($"No tiktoken data for '{encoding}'.", nameof(encoding)),
        };
        string resource = encoding + ".tiktoken.deflate";
        using Stream compressed = Assembly.Load(new AssemblyName(package)).GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"{package} has no resource {resource}.");
        using var reader = new StreamReader(new DeflateStream(compressed, CompressionMode.Decompress));
        string? line = reader.ReadLine();
        int capacity = 0;
        if (line is not null && line.StartsWith("Capacity: ", StringComparison.Ordinal))
        {
            capacity = int.Parse(line.AsSpan("Capacity: ".Length), NumberStyles.None, CultureInfo.InvariantCulture);
            line = reader.ReadLine();
        }
        var ranks = new Dictionary<ReadOnlyMemory<byte>, int>(capacity, ByteKeyComparer.Instance);
        while (line is { Length: 0 })
            line = reader.ReadLine();
        bool numbered = line is not null && !line.Contains(' ', StringComparison.Ordinal);
        for (int number = 0; line is not null; line = reader.ReadLine(), number++)
        {
            if (line.Length == 0)
                continue;
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (numbered)
                ranks[Convert.FromBase64String(line)] = number;
            else
                ranks[Convert.FromBase64String(line[..space])] = int.Parse(line.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture);
        }
        return new TiktokenCounter(encoding == "o200k_base", ranks);
    }

    /// <summary>The rank of a token's bytes, if they are one.</summary>
    internal bool TryGetRank(ReadOnlySpan<byte> token, out int rank) => _ranks.TryGetValue(token, out rank);

    /// <summary>
    /// The library's <c>CountTokens</c> of the text (special-token literals read as plain text), or tiktoken's count if
    /// that is larger: on text with a letter, number or mark outside the BMP the library's UTF-16 regex splits
    /// differently from tiktoken's and can count fewer tokens than OpenAI does (see <see cref="TiktokenSplitter"/>).
    /// </summary>
    public int Count(ReadOnlySpan<char> text)
    {
        int tokens = Count<TiktokenSplitter.CodeUnits>(text);
        if (TiktokenSplitter.HasAstralWordCharacter(text))
            tokens = Math.Max(tokens, Count<TiktokenSplitter.CodePoints>(text));
        return tokens;
    }

    /// <summary>The count with tiktoken's own pieces (code points), whatever the text.</summary>
    internal int CountAsTiktoken(ReadOnlySpan<char> text) => Count<TiktokenSplitter.CodePoints>(text);

    /// <summary>The count with the library's pieces (UTF-16 code units), whatever the text.</summary>
    internal int CountAsLibrary(ReadOnlySpan<char> text) => Count<TiktokenSplitter.CodeUnits>(text);

    private int Count<TUnits>(ReadOnlySpan<char> text) where TUnits : struct, TiktokenSplitter.IUnits
    {
        Span<byte> stack = stackalloc byte[StackBytes];
        int tokens = 0;
        for (int i = 0; i < text.Length;)
        {
            int end = _o200k ? TiktokenSplitter.NextO200k<TUnits>(text, i) : TiktokenSplitter.NextCl100k<TUnits>(text, i);
            tokens += CountPiece(text[i..end], stack);
            i = end;
        }
        return tokens;
    }

    /// <summary>The tokens of one pre-token.</summary>
    internal int CountPiece(ReadOnlySpan<char> piece, Span<byte> stack)
    {
        int max = piece.Length * 3; // a UTF-16 code unit is at most 3 UTF-8 bytes (a pair is 4 for 2)
        byte[]? rented = null;
        Span<byte> utf8 = max <= stack.Length ? stack : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            int length = ToUtf8(piece, utf8, out bool wellFormed);
            ReadOnlySpan<byte> bytes = utf8[..length];
            // The library looks a piece up by its text among the tokens that decode without U+FFFD; text with a lone
            // surrogate or a U+FFFD is merged even if its bytes are one token. One byte is always one token.
            if (length == 1 || (wellFormed && _ranks.ContainsKey(bytes)))
                return 1;
            return Merge(bytes);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// The tokens tiktoken's byte-pair merge makes of <paramref name="bytes"/> (at least 2): the library's
    /// <c>BytePairEncoder</c> and tiktoken's <c>_byte_pair_merge</c>, counting the parts instead of listing them.
    /// Quadratic in the piece's length; <see cref="PromptEncoding"/> never hands it a run longer than its MaxRun.
    /// </summary>
    private int Merge(ReadOnlySpan<byte> bytes)
    {
        int count = bytes.Length + 1; // part boundaries, the last one the end
        int[]? rented = null;
        Span<int> scratch = count <= 256 ? stackalloc int[2 * count] : (rented = ArrayPool<int>.Shared.Rent(2 * count));
        Span<int> starts = scratch[..count];
        Span<int> ranks = scratch.Slice(count, count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                starts[i] = i;
                ranks[i] = int.MaxValue;
            }
            for (int i = 0; i + 2 < count; i++)
                ranks[i] = Rank(bytes[i..(i + 2)]);
            while (count > 1)
            {
                int at = LowestRank(ranks[..(count - 1)]);
                if (at < 0)
                    break;
                // Merge parts at and at+1: the rank of the merged part joined with the next one, and of the previous
                // one joined with it, are computed before the boundary at+1 is removed.
                ranks[at] = at + 3 < count ? Rank(bytes[starts[at]..starts[at + 3]]) : int.MaxValue;
                if (at > 0)
                    ranks[at - 1] = at + 2 < count ? Rank(bytes[starts[at - 1]..starts[at + 2]]) : int.MaxValue;
                starts[(at + 2)..count].CopyTo(starts[(at + 1)..]);
                ranks[(at + 2)..count].CopyTo(ranks[(at + 1)..]);
                count--;
            }
            return count - 1;
        }
        finally
        {
            if (rented is not null)
                ArrayPool<int>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// The index of the lowest rank (the leftmost of equals), or -1 if none is a rank: the minimum found a vector at a
    /// time, then its first occurrence (both SIMD; the scan is the merge's quadratic part on long pieces such as CJK).
    /// </summary>
    private static int LowestRank(ReadOnlySpan<int> ranks)
    {
        int min = int.MaxValue, i = 0;
        if (Vector.IsHardwareAccelerated && ranks.Length >= 2 * Vector<int>.Count)
        {
            var mins = new Vector<int>(int.MaxValue);
            for (; i <= ranks.Length - Vector<int>.Count; i += Vector<int>.Count)
                mins = Vector.Min(mins, new Vector<int>(ranks[i..]));
            for (int lane = 0; lane < Vector<int>.Count; lane++)
                min = Math.Min(min, mins[lane]);
        }
        for (; i < ranks.Length; i++)
            min = Math.Min(min, ranks[i]);
        return min == int.MaxValue ? -1 : ranks.IndexOf(min);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Rank(ReadOnlySpan<byte> bytes) => _ranks.TryGetValue(bytes, out int rank) ? rank : int.MaxValue;

    /// <summary>
    /// UTF-8 as the library encodes a piece (its <c>Helpers.EncodeToUtf8</c>): a surrogate pair as its 4-byte scalar, a
    /// lone surrogate as the 3 bytes of its code unit (not U+FFFD). <paramref name="wellFormed"/>: no lone surrogate and
    /// no U+FFFD, i.e. the library's text lookup could find the piece.
    /// </summary>
    private static int ToUtf8(ReadOnlySpan<char> text, Span<byte> utf8, out bool wellFormed)
    {
        wellFormed = true;
        int n = 0;
        for (int i = 0; i < text.Length; i++)
        {
            uint c = text[i];
            if (c < 0x80)
            {
                utf8[n++] = (byte)c;
            }
            else if (c < 0x800)
            {
                utf8[n] = (byte)(0xC0 | (c >> 6));
                utf8[n + 1] = (byte)(0x80 | (c & 0x3F));
                n += 2;
            }
            else if (char.IsHighSurrogate((char)c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                uint scalar = (uint)char.ConvertToUtf32((char)c, text[++i]);
                utf8[n] = (byte)(0xF0 | (scalar >> 18));
                utf8[n + 1] = (byte)(0x80 | ((scalar >> 12) & 0x3F));
                utf8[n + 2] = (byte)(0x80 | ((scalar >> 6) & 0x3F));
                utf8[n + 3] = (byte)(0x80 | (scalar & 0x3F));
                n += 4;
            }
            else
            {
                if (char.IsSurrogate((char)c) || c == 0xFFFD)
                    wellFormed = false;
                utf8[n] = (byte)(0xE0 | (c >> 12));
                utf8[n + 1] = (byte)(0x80 | ((c >> 6) & 0x3F));
                utf8[n + 2] = (byte)(0x80 | (c & 0x3F));
                n += 3;
            }
        }
        return n;
    }

    /// <summary>
    /// Token bytes compared by content, hashed 8 bytes at a time. The vocabulary is fixed, so a hostile text can only
    /// choose lookups, not lengthen a bucket: a fixed (unseeded) hash is safe here.
    /// </summary>
    private sealed class ByteKeyComparer : IEqualityComparer<ReadOnlyMemory<byte>>, IAlternateEqualityComparer<ReadOnlySpan<byte>, ReadOnlyMemory<byte>>
    {
        public static readonly ByteKeyComparer Instance = new();

        public bool Equals(ReadOnlyMemory<byte> x, ReadOnlyMemory<byte> y) => x.Span.SequenceEqual(y.Span);

        public int GetHashCode(ReadOnlyMemory<byte> key) => Hash(key.Span);

        public bool Equals(ReadOnlySpan<byte> alternate, ReadOnlyMemory<byte> other) => alternate.SequenceEqual(other.Span);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

        public ReadOnlyMemory<byte> Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

        private static int Hash(ReadOnlySpan<byte> bytes)
        {
            ulong hash = 0x9E3779B97F4A7C15UL ^ (ulong)bytes.Length;
            while (bytes.Length >= 8)
            {
                hash = (hash ^ BinaryPrimitives.ReadUInt64LittleEndian(bytes)) * 0xFF51AFD7ED558CCDUL;
                hash ^= hash >> 32;
                bytes = bytes[8..];
            }
            ulong tail = 0;
            for (int i = 0; i < bytes.Length; i++)
                tail |= (ulong)bytes[i] << (8 * i);
            hash = (hash ^ tail) * 0xC4CEB9FE1A85EC53UL;
            hash ^= hash >> 29;
            return (int)hash ^ (int)(hash >> 32);
        }
    }
}
