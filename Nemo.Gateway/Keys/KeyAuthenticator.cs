using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Keys;

/// <summary>
/// Resolves <c>Authorization: Bearer sk-nemo-…</c> to a usable key, from memory. A key that names no
/// usable key counts against the client address (<see cref="AuthFailureLimiter"/>); an address over its
/// limit gets 429 without any lookup.
/// </summary>
internal sealed class KeyAuthenticator(ApiKeyCache cache, AuthFailureLimiter failures, TimeProvider time)
{
    public async ValueTask<(KeyEntry? Key, OpenAIError Error)> AuthenticateAsync(HttpContext context)
    {
        if (!TryGetBearer(context.Request, out string? secret))
            return (null, OpenAIError.Unauthorized("You didn't provide an API key. Send it as 'Authorization: Bearer sk-nemo-…'."));
        if (!ApiKeySecret.LooksValid(secret))
            return (null, OpenAIError.Unauthorized("Incorrect API key provided: Nemo keys start with 'sk-nemo-'."));
        if (failures.Refusal(context) is { } refused)
            return (null, refused);
        KeyEntry? key = await cache.FindAsync(ApiKeySecret.Hash(secret), context.RequestAborted);
        if (key is null)
        {
            failures.RecordFailure(context);
            return (null, OpenAIError.Unauthorized("Incorrect API key provided."));
        }
        if (!key.IsUsable(time.GetUtcNow()))
        {
            failures.RecordFailure(context);
            return (null, OpenAIError.Unauthorized(key.Status switch
            {
                Grains.Tenancy.KeyStatus.Revoked => "This API key has been revoked.",
                Grains.Tenancy.KeyStatus.Disabled => "This API key is disabled.",
                _ when key.Superseded => $"This API key was rotated and its previous secret stopped working at {key.ExpiresAt:O}; use the new secret.",
                _ => $"This API key expired at {key.ExpiresAt:O}.",
            }));
        }
        return (key, default);
    }

    public static bool TryGetBearer(HttpRequest request, out string secret)
    {
        string? header = request.Headers.Authorization;
        if (header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            secret = header[7..].Trim();
            return secret.Length > 0;
        }
        secret = "";
        return false;
    }
}
