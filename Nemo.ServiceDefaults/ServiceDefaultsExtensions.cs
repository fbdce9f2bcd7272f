using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Nemo.ServiceDefaults.Health;
using Nemo.ServiceDefaults.Logging;
using Nemo.ServiceDefaults.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Nemo.ServiceDefaults;

/// <summary>
/// What every Nemo process shares, in one place (modelled on eShop's ServiceDefaults): OpenTelemetry
/// metrics, traces and logs; structured JSON console logs; health checks behind <c>/healthz</c> and
/// <c>/readyz</c>; Prometheus text at <c>/metrics</c>; and IHttpClientFactory. Each process adds its own
/// health checks (tagged <see cref="ReadyTag"/>) and its own meters' instruments on top.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Health checks with this tag decide <c>/readyz</c>.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Meters exported besides ASP.NET Core's, HttpClient's and the runtime's: Nemo's own, Orleans', Npgsql's.</summary>
    public static readonly string[] Meters = ["Nemo", "Microsoft.Orleans", "Npgsql"];

    /// <summary>
    /// Activity sources traced: Nemo's own, Orleans' grain calls (propagated by AddActivityPropagation),
    /// Npgsql's commands. ASP.NET Core and HttpClient come through their instrumentation.
    /// </summary>
    public static readonly string[] Sources = ["Nemo", "Microsoft.Orleans.Application", "Npgsql"];

    public static IHostApplicationBuilder AddNemoServiceDefaults(this IHostApplicationBuilder builder, string serviceName)
    {
        IServiceCollection services = builder.Services;
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>();
        services.AddSingleton<IPostConfigureOptions<TelemetryOptions>, OtlpEndpointFromEnvironment>();
        builder.AddNemoConsoleLogs();
        services.AddHealthChecks();
        // Per-request Information logs of every HTTP call are noise on the proxy's hot path; HttpClient's
        // metrics and spans carry the same facts.
        services.AddHttpClient();
        services.ConfigureHttpClientDefaults(http => http.RemoveAllLoggers());

        // Wiring depends on the settings, so they are read here; ValidateOnStart reports bad values with the rest.
        var telemetry = new TelemetryOptions();
        builder.Configuration.GetSection(TelemetryOptions.Section).Bind(telemetry);
        new OtlpEndpointFromEnvironment(builder.Configuration).PostConfigure(null, telemetry);
        if (telemetry.Enabled)
            AddOpenTelemetry(builder, serviceName, telemetry);
        return builder;
    }

    private static void AddOpenTelemetry(IHostApplicationBuilder builder, string serviceName, TelemetryOptions telemetry)
    {
        double ratio = telemetry.EffectiveTraceSampleRatio is >= 0 and <= 1 ? telemetry.EffectiveTraceSampleRatio : 1.0;
        OpenTelemetryBuilder otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceVersion: typeof(ServiceDefaultsExtensions).Assembly.GetName().Version?.ToString(),
                serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(Meters)
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new RootClientSpanFilter(ratio)))
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbe(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddSource(Sources));
        if (!string.IsNullOrWhiteSpace(telemetry.OtlpEndpoint) && Uri.TryCreate(telemetry.OtlpEndpoint, UriKind.Absolute, out Uri? endpoint))
        {
            otel.WithLogging(configureBuilder: null, configureOptions: logs =>
                {
                    logs.IncludeScopes = true;
                    logs.IncludeFormattedMessage = true;
                })
                .UseOtlpExporter(telemetry.OtlpProtocol == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc, endpoint);
        }
    }

    /// <summary><c>/healthz</c> (liveness), <c>/readyz</c> (every check tagged <see cref="ReadyTag"/>) and, with telemetry on, <c>/metrics</c>.</summary>
    public static WebApplication MapNemoDefaultEndpoints(this WebApplication app)
    {
        app.MapNemoHealthEndpoints();
        if (app.Services.GetService<IOptions<TelemetryOptions>>()?.Value.Enabled == true)
            app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    /// <summary><c>/healthz</c>: the process is up (no check runs). <c>/readyz</c>: every check tagged <see cref="ReadyTag"/> passes.</summary>
    public static IEndpointRouteBuilder MapNemoHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = HealthResponse.WriteAsync,
        });
        return app;
    }

    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/metrics");
}
