using Nemo.Gateway.Access;
using Nemo.Cluster.Hosting;
using Orleans.Dashboard;

namespace Nemo.Gateway.ClusterDashboard;

/// <summary>
/// Microsoft.Orleans.Dashboard on a gateway, behind the operator's master key (HTTP Basic from a browser, <see cref="AccessPolicies.OperatorBrowser"/>), when
/// <c>Nemo:Cluster:Dashboard</c> is true (the silos add its grain statistics; see <see cref="NemoClusterOptions.Dashboard"/>).
/// </summary>
internal static class DashboardHostingExtensions
{
    public const string Path = "/dashboard";

    public static bool Enabled(IConfiguration configuration) => configuration.GetValue<bool>("Nemo:Cluster:Dashboard");

    public static IServiceCollection AddNemoClusterDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        if (!Enabled(configuration))
            return services;
        if (string.IsNullOrEmpty(configuration["NEMO_MASTER_KEY"]))
            throw new InvalidOperationException("Nemo:Cluster:Dashboard is true but NEMO_MASTER_KEY is not set: the dashboard is served to the master key only; set it or turn the dashboard off.");
        return services;
    }

    public static WebApplication MapNemoClusterDashboard(this WebApplication app)
    {
        if (Enabled(app.Configuration))
            app.MapOrleansDashboard(Path).RequireAuthorization(AccessPolicies.OperatorBrowser);
        return app;
    }
}
