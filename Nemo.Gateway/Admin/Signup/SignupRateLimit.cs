using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Access;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Admin.Signup;

/// <summary>
/// ASP.NET Core's rate limiter on open signup: a fixed window per client address chained with one for
/// everyone, applied only to endpoints marked with <see cref="SignupRateLimit"/> metadata and not to the
/// operator's master key. Refusals are 429 in OpenAI's shape with Retry-After.
/// </summary>
internal sealed class SignupRateLimit
{
    private const string Everyone = "everyone";

    public static IServiceCollection AddSignupRateLimiting(IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<SignupOptions>>((limiter, signup) =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(context => Applies(context)
                    ? RateLimitPartition.GetFixedWindowLimiter(MasterKey.IpOf(context) ?? "unknown", _ => Window(signup.Value.PermitsPerAddress, signup.Value.AddressWindow))
                    : RateLimitPartition.GetNoLimiter("")),
                PartitionedRateLimiter.Create<HttpContext, string>(context => Applies(context)
                    ? RateLimitPartition.GetFixedWindowLimiter(Everyone, _ => Window(signup.Value.PermitsOverall, signup.Value.OverallWindow))
                    : RateLimitPartition.GetNoLimiter("")));
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (rejected, _) =>
            {
                HttpContext http = rejected.HttpContext;
                int seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retry) ? Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)) : 60;
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return new ValueTask(new OpenAIError(StatusCodes.Status429TooManyRequests, "rate_limit_error", "signup_rate_limited",
                    $"Too many signup requests from this address or in all; retry after {seconds} s (Nemo:Signup limits).").WriteAsync(http.Response));
            };
        });
        return services;
    }

    private static FixedWindowRateLimiterOptions Window(int permits, TimeSpan window) =>
        new() { PermitLimit = permits, Window = window, QueueLimit = 0, AutoReplenishment = true };

    private static bool Applies(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<SignupRateLimit>() is not null
        && !context.RequestServices.GetRequiredService<MasterKey>().IsOperator(context.Request);
}
