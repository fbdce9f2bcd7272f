using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Nemo.Gateway.Admin.Signup;

/// <summary>
/// The token emailed to confirm an open signup: <c>nemo_ver_</c> + base64url(payload) + "." +
/// base64url(HMAC-SHA256), the payload naming the email address, the organization name and the expiry.
/// It carries the pending signup itself, so nothing is stored and no address is held until the token
/// comes back: proof that its sender reads that mailbox. The key is derived (HKDF) from
/// NEMO_MASTER_KEY, which every gateway shares; rotating the master key voids unused tokens.
/// </summary>
internal sealed class VerificationToken(IConfiguration configuration, TimeProvider time)
{
    public const string Prefix = "nemo_ver_";
    public const int MaxLength = 2048;

    private readonly byte[] _key = HKDF.DeriveKey(HashAlgorithmName.SHA256,
        Encoding.UTF8.GetBytes(configuration["NEMO_MASTER_KEY"] ?? ""), 32, salt: [], info: "nemo signup verification v1"u8.ToArray());

    public sealed record Claims(string Email, string OrganizationName, DateTimeOffset ExpiresAt);

    public string Issue(string email, string organizationName, TimeSpan ttl)
    {
        long expires = (time.GetUtcNow() + ttl).ToUnixTimeSeconds();
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["e"] = email, ["n"] = organizationName, ["x"] = expires });
        return Prefix + Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(HMACSHA256.HashData(_key, payload));
    }

    /// <summary>The claims of a genuine, unexpired token; null otherwise.</summary>
    public Claims? Read(string token)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > MaxLength)
            return null;
        string[] parts = token[Prefix.Length..].Split('.');
        if (parts.Length != 2 || !Base64Url.IsValid(parts[0]) || !Base64Url.IsValid(parts[1]))
            return null;
        byte[] payload = Base64Url.DecodeFromChars(parts[0]);
        if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(_key, payload), Base64Url.DecodeFromChars(parts[1])))
            return null;
        try
        {
            using JsonDocument document = JsonDocument.Parse(payload);
            JsonElement root = document.RootElement;
            var claims = new Claims(root.GetProperty("e").GetString()!, root.GetProperty("n").GetString()!,
                DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("x").GetInt64()));
            return claims.ExpiresAt > time.GetUtcNow() ? claims : null;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null; // signed by us, so this is only reachable after a format change
        }
    }
}
