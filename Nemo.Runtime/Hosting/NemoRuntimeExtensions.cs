using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nemo.Grains;
using Nemo.Grains.Authorization;
using Nemo.Grains.Contracts;
using Nemo.Grains.Storage;
using Nemo.Runtime.Activation;
using Nemo.Runtime.Client;
using Nemo.Runtime.Membership;
using Nemo.Runtime.Partitions;
using Nemo.Runtime.Routing;
using Nemo.Runtime.Silo;
using Nemo.Runtime.Storage;
using Nemo.Runtime.Transport;

namespace Nemo.Runtime.Hosting;

public static class NemoRuntimeExtensions
{
    /// <summary>
    /// What every node needs: the database (ConnectionStrings:Nemo), migrations, cluster options,
    /// the cluster secret (from NEMO_MASTER_KEY), routing and the <see cref="ClusterClient"/>.
    /// </summary>
    public static IServiceCollection AddNemoCluster(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<ClusterOptions>().Bind(configuration.GetSection("Nemo:Cluster")).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ClusterOptions>>().Value);
        services.AddSingleton(_ => new NemoDatabase(configuration.GetConnectionString("Nemo")
            ?? throw new InvalidOperationException("ConnectionStrings:Nemo is not set; set ConnectionStrings__Nemo to the PostgreSQL connection string (e.g. Host=127.0.0.1;Port=5432;Username=nemo;Password=…;Database=nemo).")));
        services.AddSingleton(_ => new ClusterSecret(configuration["NEMO_MASTER_KEY"] ?? ""));
        services.AddSingleton<NemoReadiness>();
        services.AddSingleton<Migrator>();
        services.AddHostedService<DatabaseMigrationService>();
        services.AddSingleton(configuration.GetSection("Nemo:Spend").Get<SpendOptions>() ?? new SpendOptions());
        services.AddSingleton<RoutingTable>();
        services.AddHostedService<RoutingRefreshService>();
        services.AddSingleton(sp => new ClusterClient(sp, sp.GetRequiredService<RoutingTable>(), sp.GetRequiredService<ClusterOptions>(),
            sp.GetRequiredService<ClusterSecret>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<SpendOptions>(),
            sp.GetRequiredService<ILogger<ClusterClient>>()));
        return services;
    }

    /// <summary>Hosts a silo in this process: grains, leases, the ledger and the silo call endpoints.</summary>
    public static IServiceCollection AddNemoSilo(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<SiloIdentity>();
        services.AddSingleton<LocalOwnership>();
        services.AddSingleton(new GrainTypeRegistry(GrainCatalogue.All));
        services.AddSingleton<Catalog>();
        services.AddSingleton<IGrainFactory>(sp => sp.GetRequiredService<Catalog>());
        services.AddSingleton<ISpendStore, PostgresSpendStore>();
        services.AddSingleton<IPersistentStateFactory, PostgresStateFactory>();
        services.AddSingleton<IBudgetNotifications, BudgetNotificationOutbox>();
        services.AddSingleton(configuration.GetSection("Nemo:Ledger").Get<LedgerOptions>() ?? new LedgerOptions());
        services.AddSingleton<GroupCommitLedger>();
        services.AddSingleton<IUsageLedger>(sp => sp.GetRequiredService<GroupCommitLedger>());
        services.AddSingleton<SpendAuthorizer>();
        services.AddSingleton<LocalSiloEndpoint>();
        services.AddSingleton<PartitionLeaseService>();
        services.AddHostedService(sp => sp.GetRequiredService<PartitionLeaseService>());
        services.AddHostedService<SiloMaintenanceService>();
        return services;
    }

    /// <summary>Maps the silo call endpoints (protected by the cluster token).</summary>
    public static IEndpointRouteBuilder MapNemoSilo(this IEndpointRouteBuilder app) => app.MapNemoSiloRpc();

    /// <summary>Maps <c>/healthz</c> (the process is up) and <c>/readyz</c> (it can serve).</summary>
    public static IEndpointRouteBuilder MapNemoHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", (NemoReadiness readiness) => readiness.Ready
            ? Results.Text("ready")
            : Results.Text(readiness.Migrated ? "waiting for partition leases" : "migrating", statusCode: StatusCodes.Status503ServiceUnavailable));
        return app;
    }
}
