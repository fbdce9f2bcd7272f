using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Nemo.Gateway.Notifications;

/// <summary>
/// The <c>x-nemo-signature</c> header: <c>t={unix seconds},v1={hex HMAC-SHA256}</c> over <c>"{t}.{body}"</c>
/// with the organization's webhook secret as the key (UTF-8). A receiver recomputes it with the secret
/// from <c>GET /v1/organization</c>, compares in constant time, and rejects old timestamps to stop replays.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "x-nemo-signature";

    public static string Sign(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        string prefix = unixSeconds.ToString(CultureInfo.InvariantCulture) + ".";
        byte[] signed = new byte[Encoding.UTF8.GetByteCount(prefix) + body.Length];
        int written = Encoding.UTF8.GetBytes(prefix, signed);
        body.CopyTo(signed.AsSpan(written));
        byte[] mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        return $"t={unixSeconds.ToString(CultureInfo.InvariantCulture)},v1={Convert.ToHexStringLower(mac)}";
    }

    /// <summary>Checks a header value against the body (what a receiver does), within a tolerance of the timestamp.</summary>
    public static bool Verify(string secret, string header, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        string? t = null, v1 = null;
        foreach (string part in header.Split(','))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal))
                t = part[2..];
            else if (part.StartsWith("v1=", StringComparison.Ordinal))
                v1 = part[3..];
        }
        if (t is null || v1 is null || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds))
            return false;
        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > tolerance.TotalSeconds)
            return false;
        string expected = Sign(secret, seconds, body);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes($"t={t},v1={v1}"));
    }
}
