using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nemo.Cluster.Calls;
using Nemo.Grains.Fencing;
using Nemo.Grains.Organization;
using Nemo.Grains.Placement;
using Nemo.Grains.Spend;
using Nemo.Persistence;
using Nemo.Persistence.Database;
using Nemo.Persistence.Fencing;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans;
using Orleans.Hosting;
using Orleans.Serialization;

namespace Nemo.Cluster.Hosting;

/// <summary>
/// Wiring of Nemo on Microsoft Orleans. <see cref="AddNemoSilo"/> makes the process a silo (Nemo.Silo,
/// and the all-in-one gateway, whose calls then stay in-process); <see cref="AddNemoClusterClient"/>
/// makes a split gateway an Orleans client that hosts no grain. Both use ADO.NET clustering on Nemo's
/// PostgreSQL, whose tables Nemo's own migrations create before Orleans starts.
/// </summary>
public static class ClusterHostingExtensions
{
    /// <summary>The ADO.NET provider invariant; Orleans' providers load the Npgsql assembly by this name.</summary>
    public const string Invariant = "Npgsql";

    /// <param name="hostsGrains">
    /// False for a gateway that joins as a silo but hosts no organization grain: the grain class is left
    /// out of its manifest, so placement never picks it.
    /// </param>
    public static IHostApplicationBuilder AddNemoSilo(this IHostApplicationBuilder builder, bool hostsGrains = true)
    {
        IConfiguration configuration = builder.Configuration;
        NemoClusterOptions cluster = BindClusterOptions(builder);
        string connectionString = PersistenceServiceCollectionExtensions.ConnectionString(configuration);
        builder.AddNemoGrainServices(); // before Orleans: its tables come from the migrations

        int siloPort = FreePorts.Resolve(cluster.SiloPort, cluster.ListenIp);
        int gatewayPort = FreePorts.Resolve(cluster.GatewayPort, cluster.ListenIp);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            silo.Configure<EndpointOptions>(o =>
            {
                o.AdvertisedIPAddress = cluster.AdvertisedIp;
                o.SiloPort = siloPort;
                o.GatewayPort = gatewayPort;
                o.SiloListeningEndpoint = new IPEndPoint(cluster.ListenIp, siloPort);
                o.GatewayListeningEndpoint = new IPEndPoint(cluster.ListenIp, gatewayPort);
            });
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = cluster.ProbeTimeout;
                o.NumMissedProbesLimit = cluster.NumMissedProbesLimit;
                // On a loaded machine Orleans judges its own health degraded and then lengthens probe
                // timeouts, which made a crashed silo's detection take ~6 s here: detection is bounded
                // by the settings above instead.
                o.ExtendProbeTimeoutDuringDegradation = false;
                // A dead silo refuses connections at once; asking a third silo to confirm each missed
                // probe (indirect probes) added a round to every detection.
                o.EnableIndirectProbes = false;
            });
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = cluster.ResponseTimeout);
            silo.AddNemoGrains(connectionString);
            if (cluster.Dashboard)
                silo.AddDashboard();
            if (cluster.TlsEnabled)
                ClusterTls.Configure(silo, cluster);
            silo.AddStartupTask<MarkJoinedTask>(ServiceLifecycleStage.Active);
        });
        if (!hostsGrains)
            builder.Services.PostConfigure<GrainTypeOptions>(o => o.Classes.Remove(typeof(OrganizationGrain)));
        AddCommon(builder, cluster);
        builder.Services.AddNemoHealthChecks(silo: true);
        builder.Services.AddHostedService<MembershipMetrics>();
        return builder;
    }

    /// <summary>
    /// What a silo needs to host Nemo's grains besides Orleans itself: the database and its migrations,
    /// the grains' storage ports, fencing and spend options. Separate from <see cref="AddNemoSilo"/> so an
    /// Orleans test cluster can host the real grains.
    /// </summary>
    public static IHostApplicationBuilder AddNemoGrainServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddNemoDatabase(builder.Configuration);
        builder.Services.AddNemoGrainStorage(builder.Configuration);
        builder.Services.AddOptions<FencingOptions>().BindConfiguration("Nemo:Fencing").ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<FencingOptions>, FencingOptionsValidator>();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<FencingOptions>>().Value);
        builder.Services.AddSingleton<ActivationLeases>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ActivationLeases>());
        AddSpendOptions(builder);
        return builder;
    }

    /// <summary>The Orleans side of hosting Nemo's grains: their ADO.NET state storage, placement, trace propagation.</summary>
    public static ISiloBuilder AddNemoGrains(this ISiloBuilder silo, string connectionString)
    {
        silo.AddAdoNetGrainStorage(NemoStorage.Grains, o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        silo.AddPlacementDirector<OrganizationPlacement, OrganizationPlacementDirector>();
        silo.AddActivityPropagation(); // one trace per request: gateway → grain call → ledger
        // A grain's database error must reach a remote caller as what it is (a DbException, which
        // callers retry until CallDeadline). Orleans serializes only exceptions of the namespaces it
        // knows; any other arrives as CodecNotFoundException, which nobody retries.
        silo.Services.Configure<ExceptionSerializationOptions>(o => o.SupportedNamespacePrefixes.Add("Npgsql"));
        return silo;
    }

    public static IHostApplicationBuilder AddNemoClusterClient(this IHostApplicationBuilder builder)
    {
        IConfiguration configuration = builder.Configuration;
        NemoClusterOptions cluster = BindClusterOptions(builder);
        string connectionString = PersistenceServiceCollectionExtensions.ConnectionString(configuration);
        builder.Services.AddNemoDatabase(configuration);
        AddSpendOptions(builder);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            client.AddActivityPropagation();
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = cluster.ResponseTimeout);
            // Silos may start after a gateway, or all be down for a while: keep trying; /readyz says not ready meanwhile.
            client.UseConnectionRetryFilter(async (_, cancellationToken) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                return true;
            });
            if (cluster.Dashboard)
                client.AddDashboard();
            if (cluster.TlsEnabled)
                ClusterTls.Configure(client, cluster);
        });
        builder.Services.AddHostedService<MarkJoinedWhenStarted>();
        AddCommon(builder, cluster);
        builder.Services.AddNemoHealthChecks(silo: false);
        return builder;
    }

    private static void AddCommon(IHostApplicationBuilder builder, NemoClusterOptions cluster)
    {
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = cluster.ShutdownTimeout);
        builder.Services.TryAddSingleton<NemoReadiness>();
        builder.Services.AddSingleton<ReassertionWriter>();
        builder.Services.AddSingleton(sp => new OrganizationCalls(sp.GetRequiredService<IGrainFactory>(), sp.GetRequiredService<ReassertionWriter>(), cluster,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<SpendOptions>(), sp.GetRequiredService<ILogger<OrganizationCalls>>()));
        builder.Services.AddHostedService<UncleanActivationListener>();
    }

    private static NemoClusterOptions BindClusterOptions(IHostApplicationBuilder builder)
    {
        // Orleans needs the values while the host is configured (ports, addresses), before options
        // validation runs; bad values fail here with every problem listed.
        var cluster = new NemoClusterOptions();
        builder.Configuration.GetSection("Nemo:Cluster").Bind(cluster);
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(cluster, new(cluster), results, validateAllProperties: true))
            throw new InvalidOperationException("Invalid cluster configuration:" + Environment.NewLine + string.Join(Environment.NewLine, results.Select(r => "  - " + r.ErrorMessage)));
        builder.Services.AddSingleton(cluster);
        return cluster;
    }

    private static void AddSpendOptions(IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SpendOptions>().BindConfiguration("Nemo:Spend").ValidateOnStart();
        builder.Services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<SpendOptions>>().Value);
    }
}
