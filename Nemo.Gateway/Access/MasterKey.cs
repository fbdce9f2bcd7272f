using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Nemo.Gateway.Keys;

namespace Nemo.Gateway.Access;

/// <summary>The operator's master key (<c>NEMO_MASTER_KEY</c>), compared in constant time; unset means no operator.</summary>
internal sealed class MasterKey(IConfiguration configuration)
{
    private readonly byte[] _secret = Encoding.UTF8.GetBytes(configuration["NEMO_MASTER_KEY"] ?? "");

    public bool IsSet => _secret.Length > 0;

    public bool Matches(string? secret) =>
        IsSet && secret is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), _secret);

    /// <summary>Whether the request's bearer token is the master key.</summary>
    public bool IsOperator(HttpRequest request) => KeyAuthenticator.TryGetBearer(request, out string secret) && Matches(secret);

    public static string? IpOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString();
}
