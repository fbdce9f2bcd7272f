using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nemo.Cluster.Calls;
using Nemo.Cluster.Hosting;

namespace Nemo.Tests.Cluster;

/// <summary>An Orleans client inside the test process, configured like a split gateway, to call organizations' grains directly.</summary>
public sealed class OrleansProbeClient : IAsyncDisposable
{
    private readonly IHost _host;

    private OrleansProbeClient(IHost host) => _host = host;

    public static async Task<OrleansProbeClient> StartAsync(string connectionString)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Nemo"] = connectionString });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddNemoClusterClient();
        IHost host = builder.Build();
        await host.StartAsync();
        return new OrleansProbeClient(host);
    }

    /// <summary>Activates the organization's grain (reading its credits) wherever placement puts it.</summary>
    public async Task ActivateAsync(Guid organizationId) =>
        await _host.Services.GetRequiredService<OrganizationCalls>().GetCreditsAsync(organizationId, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
