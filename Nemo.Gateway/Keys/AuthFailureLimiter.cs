using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Keys;

/// <summary>
/// Counts failed authentications (a key that names no usable key) per client address in a fixed window
/// (<c>Nemo:Auth:FailuresPerAddress</c> per <c>FailureWindow</c>); an address over its limit is answered
/// 429 before any key lookup until the window ends. Built on System.Threading.RateLimiting's
/// partitioned limiter (what ASP.NET Core's rate-limiting middleware uses); not the middleware itself,
/// because it counts failures, which are known only after the lookup, not requests.
/// </summary>
internal sealed class AuthFailureLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public AuthFailureLimiter(IOptions<KeyProtectionOptions> options)
    {
        KeyProtectionOptions o = options.Value;
        _limiter = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = o.FailuresPerAddress,
            Window = o.FailureWindow,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    public static string AddressOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>The 429 to answer when this address has used up its failures (Retry-After set), else null.</summary>
    public OpenAIError? Refusal(HttpContext context)
    {
        string address = AddressOf(context);
        using RateLimitLease lease = _limiter.AttemptAcquire(address, 0);
        if (lease.IsAcquired)
            return null;
        int seconds = lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retry) ? Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)) : 1;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return new OpenAIError(StatusCodes.Status429TooManyRequests, "rate_limit_error", "too_many_failed_authentications",
            $"Too many requests with invalid API keys from {address}; check the key you send and retry after {seconds} s.");
    }

    public void RecordFailure(HttpContext context)
    {
        using RateLimitLease lease = _limiter.AttemptAcquire(AddressOf(context), 1);
    }

    public void Dispose() => _limiter.Dispose();
}
