using Microsoft.AspNetCore.Http;
using Nemo.Grains.Spend;

namespace Nemo.Gateway.Proxy;

/// <summary>OpenAI-style <c>x-ratelimit-*</c> headers, and <c>Retry-After</c> on a 429.</summary>
internal static class RateLimitHeaders
{
    public static void Write(HttpResponse response, RateLimitSnapshot limits)
    {
        IHeaderDictionary headers = response.Headers;
        if (limits.HasRequests)
        {
            headers["x-ratelimit-limit-requests"] = limits.LimitRequests.ToString();
            headers["x-ratelimit-remaining-requests"] = Math.Max(0, limits.RemainingRequests).ToString();
            headers["x-ratelimit-reset-requests"] = Duration(limits.ResetRequestsMs);
        }
        if (limits.HasTokens)
        {
            headers["x-ratelimit-limit-tokens"] = limits.LimitTokens.ToString();
            headers["x-ratelimit-remaining-tokens"] = Math.Max(0, limits.RemainingTokens).ToString();
            headers["x-ratelimit-reset-tokens"] = Duration(limits.ResetTokensMs);
        }
    }

    public static void WriteRetryAfter(HttpResponse response, long retryAfterMs)
    {
        long ms = Math.Max(1, retryAfterMs);
        response.Headers.RetryAfter = ((ms + 999) / 1000).ToString();
        response.Headers["retry-after-ms"] = ms.ToString();
    }

    /// <summary>OpenAI's duration format: "6m0s", "1s", "20ms".</summary>
    public static string Duration(long ms)
    {
        if (ms < 1000)
            return $"{ms}ms";
        long seconds = (ms + 999) / 1000;
        return seconds < 60 ? $"{seconds}s" : $"{seconds / 60}m{seconds % 60}s";
    }
}
