using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Nemo.Gateway.Access;
using Nemo.Gateway.Admin;
using Nemo.Gateway.Credentials;
using Nemo.Gateway.Protection;
using Nemo.Gateway.Anthropic;
using Nemo.Gateway.Responses;
using Nemo.Gateway.ClusterDashboard;
using Nemo.Gateway.Dashboard;
using Nemo.Gateway.Keys;
using Nemo.Gateway.Policies;
using Nemo.Gateway.Providers;
using Nemo.Gateway.Proxy;
using Nemo.Gateway.RequestLog;
using Nemo.Gateway.Telemetry;
using Nemo.Cluster.Hosting;
using Nemo.Grains.Spend;
using Nemo.ServiceDefaults;

namespace Nemo.Gateway.Hosting;

/// <summary>
/// Wiring of the gateway host. <c>Nemo:Role</c>:
/// <list type="bullet">
/// <item>all-in-one (default): the gateway co-hosts an Orleans silo, so its grain calls stay in-process;</item>
/// <item>gateway: an Orleans client that hosts no grain (split tiers);</item>
/// <item>gateway-silo: a silo that hosts no organization grain — it joins membership and calls the
/// hosting silo directly, one hop, where a client goes through a gateway silo (measured in
/// docs/BENCHMARKS.md).</item>
/// </list>
/// </summary>
public static class GatewayHostingExtensions
{
    public static GatewayRole RoleOf(IConfiguration configuration)
    {
        string role = configuration["Nemo:Role"] ?? "all-in-one";
        return role switch
        {
            "all-in-one" => GatewayRole.AllInOne,
            "gateway" => GatewayRole.Client,
            "gateway-silo" => GatewayRole.SiloWithoutGrains,
            _ => throw new InvalidOperationException($"Nemo:Role must be 'all-in-one', 'gateway' or 'gateway-silo' (currently '{role}')."),
        };
    }

    public static WebApplicationBuilder AddNemoGateway(this WebApplicationBuilder builder)
    {
        IConfiguration configuration = builder.Configuration;
        GatewayRole role = RoleOf(configuration);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.Host.UseDefaultServiceProvider(provider =>
        {
            provider.ValidateOnBuild = true;
            provider.ValidateScopes = true;
        });
        IServiceCollection services = builder.Services;
        builder.AddNemoServiceDefaults("nemo-gateway");
        switch (role)
        {
            case GatewayRole.AllInOne:
                builder.AddNemoSilo();
                break;
            case GatewayRole.SiloWithoutGrains:
                builder.AddNemoSilo(hostsGrains: false);
                break;
            default:
                builder.AddNemoClusterClient();
                break;
        }

        var gatewayOptions = configuration.GetSection("Nemo:Gateway").Get<GatewayOptions>() ?? new GatewayOptions();
        var spendOptions = configuration.GetSection("Nemo:Spend").Get<SpendOptions>() ?? new SpendOptions();
        string[] errors = [.. gatewayOptions.Validate(spendOptions.ReservationTtl)];
        if (errors.Length > 0)
            throw new InvalidOperationException("Invalid gateway configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)));
        services.AddSingleton(gatewayOptions);
        ModelCatalog catalog = ModelCatalog.FromConfiguration(configuration);
        services.AddSingleton(catalog);
        UpstreamHttp.AddClients(services, catalog);
        services.AddSingleton<NemoMetrics>();
        services.AddSingleton<RequestLogWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<RequestLogWriter>());
        services.AddSingleton<ContentLogWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<ContentLogWriter>());

        services.AddNemoDataProtection(configuration);
        services.AddSingleton<ProviderCredentialCache>();
        services.AddHostedService<ProviderCredentialListener>();
        services.AddSingleton<ApiKeyCache>();
        services.AddSingleton<KeyAuthenticator>();
        services.AddHostedService<KeyChangeListener>();
        services.AddSingleton<PolicyCache>();
        services.AddHostedService<PolicyChangeListener>();
        services.AddSingleton<RequestInspector>();
        services.AddSingleton<UpstreamHttp>();
        services.AddSingleton<Routing.DeploymentRouter>();
        services.AddSingleton<SpendRecorder>();
        services.AddSingleton<StreamRelay>();
        services.AddSingleton<TokenCounter>();
        services.AddSingleton<ProxyHandler>();
        services.AddSingleton<Translation.TranslatedRoute>();
        services.AddSingleton<Responses.ResponsesDialect>();
        // Problems the framework writes (validation, binding) go out in OpenAI's error shape: this writer is first.
        services.AddSingleton<Microsoft.AspNetCore.Http.IProblemDetailsWriter, Errors.OpenAIProblemWriter>();
        services.AddProblemDetails();
        services.AddExceptionHandler<Errors.BadRequestExceptionHandler>();
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddNemoAccess();
        services.AddNemoAdmin(configuration);
        services.AddNemoDashboard(configuration);
        services.AddNemoClusterDashboard(configuration);
        return builder;
    }

    public static WebApplication MapNemoGateway(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseNemoConsoleHeaders();
        app.UseNemoAccess();
        app.MapNemoDefaultEndpoints();
        app.MapNemoLlmApi();
        app.MapNemoMessagesApi();
        app.MapNemoResponsesApi();
        app.MapNemoAdminApi();
        app.MapNemoDashboard();
        app.MapNemoClusterDashboard();
        return app;
    }
}
