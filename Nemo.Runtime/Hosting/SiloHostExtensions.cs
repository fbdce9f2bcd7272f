using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Nemo.Runtime.Hosting;

/// <summary>The silo-only host (Nemo.Silo): cluster services, the silo, health and the HTTP/2 silo call endpoints.</summary>
public static class SiloHostExtensions
{
    public static WebApplicationBuilder AddNemoSiloHost(this WebApplicationBuilder builder)
    {
        builder.ConfigureNemoListeners(hostsSilo: true);
        builder.Host.UseDefaultServiceProvider(provider =>
        {
            provider.ValidateOnBuild = true;
            provider.ValidateScopes = true;
        });
        builder.Services.AddNemoCluster(builder.Configuration);
        builder.Services.AddNemoSilo(builder.Configuration);
        return builder;
    }

    public static WebApplication MapNemoSiloHost(this WebApplication app)
    {
        app.MapNemoHealth();
        app.MapNemoSilo();
        return app;
    }
}
