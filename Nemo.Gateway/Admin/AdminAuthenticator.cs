using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Keys;

namespace Nemo.Gateway.Admin;

/// <summary>Resolves the admin API's caller: the operator's master key, or a member's virtual key.</summary>
internal sealed class AdminAuthenticator(KeyAuthenticator keys, IConfiguration configuration)
{
    private readonly byte[] _masterKey = Encoding.UTF8.GetBytes(configuration["NEMO_MASTER_KEY"] ?? "");

    public bool IsOperator(HttpRequest request) =>
        _masterKey.Length > 0 && KeyAuthenticator.TryGetBearer(request, out string secret)
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), _masterKey);

    public async ValueTask<(AdminCaller? Caller, OpenAIError Error)> AuthenticateAsync(HttpContext context, bool allowOperator)
    {
        if (IsOperator(context.Request))
            return allowOperator
                ? (AdminCaller.Operator, default)
                : (null, OpenAIError.Forbidden("This route acts inside an organization; call it with a member's key, not the master key."));
        (KeyEntry? key, OpenAIError error) = await keys.AuthenticateAsync(context);
        if (key is null)
            return (null, error);
        context.Response.Headers["x-nemo-org-id"] = key.OrganizationId.ToString();
        return (new AdminCaller(false, key.OrganizationId, key.UserId, key.TeamId, key.Role, key.KeyId), default);
    }

    /// <summary>Operator-only routes: anything but the master key is refused without saying more.</summary>
    public OpenAIError? RequireOperator(HttpRequest request) =>
        IsOperator(request) ? null : OpenAIError.Unauthorized("This route needs the operator's master key (NEMO_MASTER_KEY).");
}
