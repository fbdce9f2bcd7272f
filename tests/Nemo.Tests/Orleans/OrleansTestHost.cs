using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nemo.Persistence.Database;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Nemo.Tests.Orleans;

/// <summary>
/// Silos and clients on Orleans' ADO.NET providers over a test database, configured the way a Nemo node is
/// meant to be: invariant "Npgsql", the plain Nemo connection string (its search_path reaches the tables in
/// schema public), silo and gateway ports on 127.0.0.1 only.
/// </summary>
internal static class OrleansTestHost
{
    public const string Invariant = "Npgsql";
    public const string ServiceId = "nemo-tests";
    public const string StorageName = "nemo";

    /// <summary>Applies Nemo's migrations (0003_orleans among them) to the database.</summary>
    public static async Task MigrateAsync(string connectionString)
    {
        await using var database = new NemoDatabase(connectionString);
        await new Migrator(database, NullLogger<Migrator>.Instance).MigrateAsync(CancellationToken.None);
    }

    public static async Task<IHost> StartSiloAsync(string connectionString, string clusterId, Action<ISiloBuilder>? configure = null)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        Log(builder);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, ServiceId));
            silo.ConfigureEndpoints(IPAddress.Loopback, FreePort(), FreePort());
            silo.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (Invariant, connectionString));
            silo.AddAdoNetGrainStorage(StorageName, o => (o.Invariant, o.ConnectionString) = (Invariant, connectionString));
            configure?.Invoke(silo);
        });
        return await StartAsync(builder.Build());
    }

    public static async Task<IHost> StartClientAsync(string connectionString, string clusterId)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        Log(builder);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, ServiceId));
            client.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (Invariant, connectionString));
        });
        return await StartAsync(builder.Build());
    }

    private static async Task<IHost> StartAsync(IHost host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await host.StartAsync(timeout.Token);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return host;
    }

    /// <summary>Set NEMO_TEST_ORLEANS_LOG=1 to see the providers' warnings and errors on the console.</summary>
    private static void Log(HostApplicationBuilder builder)
    {
        if (Environment.GetEnvironmentVariable("NEMO_TEST_ORLEANS_LOG") == "1")
            builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
    }

    private static int FreePort() => Nemo.Cluster.Hosting.FreePorts.Pick(IPAddress.Loopback);
}
