using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Nemo.ServiceDefaults.Logging;

/// <summary>
/// Console logs as one JSON object per line, with scopes: the trace and span ids (ASP.NET Core's
/// activity tracking) and, on the proxy, Nemo's request id and the organization id. An operator may
/// choose the plain format with <c>Logging:Console:FormatterName=simple</c>. Nothing secret is logged:
/// keys are never written, and request bodies are not logged.
/// </summary>
internal static class ConsoleLogs
{
    public static IHostApplicationBuilder AddNemoConsoleLogs(this IHostApplicationBuilder builder)
    {
        builder.Logging.AddJsonConsole();
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        // After configuration binding (registered by the host's AddConsole): a configured formatter wins.
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.FormatterName ??= ConsoleFormatterNames.Json);
        builder.Services.Configure<JsonConsoleFormatterOptions>(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat ??= "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
        });
        return builder;
    }
}
