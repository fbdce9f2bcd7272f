using System.Security.Cryptography;
using System.Text;

namespace Nemo.Gateway.Keys;

/// <summary>
/// Virtual keys: <c>sk-nemo-</c> + 48 random base62 characters (≈285 bits). Only the SHA-256 of the
/// secret is stored; the secret is shown once. A fast hash is right here: the secret is random, not a
/// password, so there is nothing to brute-force from the hash.
/// </summary>
internal static class ApiKeySecret
{
    public const string Prefix = "sk-nemo-";
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const int RandomLength = 48;

    public static string Generate() => Prefix + RandomNumberGenerator.GetString(Alphabet, RandomLength);

    /// <summary>The part shown in listings, e.g. <c>sk-nemo-AbCd</c>.</summary>
    public static string VisiblePrefix(string secret) => secret[..Math.Min(secret.Length, Prefix.Length + 4)];

    public static KeyHash Hash(ReadOnlySpan<char> secret)
    {
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(Math.Min(secret.Length, 256))];
        int length = Encoding.UTF8.GetBytes(secret[..Math.Min(secret.Length, 256)], utf8);
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(utf8[..length], digest);
        return KeyHash.FromBytes(digest);
    }

    public static bool LooksValid(ReadOnlySpan<char> secret) =>
        secret.Length == Prefix.Length + RandomLength && secret.StartsWith(Prefix, StringComparison.Ordinal);
}
