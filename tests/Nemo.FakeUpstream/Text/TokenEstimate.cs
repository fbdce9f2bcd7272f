namespace Nemo.FakeUpstream;

/// <summary>The fake's token arithmetic: ceil(UTF-8 bytes / 4) per text.</summary>
internal static class TokenEstimate
{
    /// <summary>Tokens added per chat message on top of its text.</summary>
    public const int PerMessage = 3;

    public static int ForUtf8Bytes(long bytes) => (int)Math.Min(int.MaxValue, (bytes + 3) / 4);
}
