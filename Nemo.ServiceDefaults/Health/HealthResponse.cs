using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Nemo.ServiceDefaults.Health;

/// <summary>The body of <c>/readyz</c>: <c>ready</c>, or each failing check with its reason (what an operator reads first).</summary>
internal static class HealthResponse
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain";
        string text = report.Status == HealthStatus.Healthy
            ? "ready"
            : string.Join("; ", report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => $"{e.Key}: {e.Value.Description}"));
        return context.Response.WriteAsync(text);
    }
}
