using System.Security.Cryptography;
using System.Text;

namespace Nemo.Gateway.Admin.Invitations;

/// <summary>
/// Invitation tokens: <c>nemo_inv_</c> + 43 random base62 characters (≈256 bits), shown once (in the
/// create response and the email) and stored only as SHA-256, like keys.
/// </summary>
internal static class InvitationToken
{
    public const string Prefix = "nemo_inv_";
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string Generate() => Prefix + RandomNumberGenerator.GetString(Alphabet, 43);

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public static bool LooksValid(string token) => token.Length == Prefix.Length + 43 && token.StartsWith(Prefix, StringComparison.Ordinal);
}
