using System.Text;

namespace Nemo.FakeUpstream;

/// <summary>The deterministic completion text: token i is word (i mod N) of a lorem ipsum list
/// followed by a space, so the UTF-8 length of n tokens is at least n.</summary>
internal static class LoremText
{
    private const int CachedContents = 1024;

    private static readonly byte[][] Tokens =
    [
        .. ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut " +
            "labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris " +
            "nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse")
            .Split(' ')
            .Select(word => Encoding.UTF8.GetBytes(word + " ")),
    ];

    private static readonly byte[]?[] Contents = new byte[]?[CachedContents + 1];

    /// <summary>UTF-8 bytes of token <paramref name="index"/>, e.g. "lorem ".</summary>
    public static ReadOnlySpan<byte> Token(int index) => Tokens[index % Tokens.Length];

    /// <summary>UTF-8 bytes of the first <paramref name="tokens"/> tokens.</summary>
    public static byte[] Content(int tokens)
    {
        if (tokens > CachedContents)
        {
            return Build(tokens);
        }

        return Volatile.Read(ref Contents[tokens]) ?? (Contents[tokens] = Build(tokens));
    }

    private static byte[] Build(int tokens)
    {
        var length = 0;
        for (var i = 0; i < tokens; i++)
        {
            length += Token(i).Length;
        }

        var content = new byte[length];
        var offset = 0;
        for (var i = 0; i < tokens; i++)
        {
            Token(i).CopyTo(content.AsSpan(offset));
            offset += Token(i).Length;
        }

        return content;
    }
}
