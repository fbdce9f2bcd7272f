namespace Nemo.Launcher.Cluster;

/// <summary>
/// The environment every Nemo process gets (configuration is appsettings.json plus these).
/// GC settings are left at the runtime's defaults on purpose.
/// </summary>
internal static class NemoEnvironment
{
    public const string DemoProviderKey = "sk-fake-demo";

    public static Dictionary<string, string> For(string? role, string connectionString, string masterKey, string upstreamBaseUrl)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Nemo"] = connectionString,
            ["NEMO_MASTER_KEY"] = masterKey,
            ["Nemo__Providers__demo__BaseUrl"] = upstreamBaseUrl,
            ["Nemo__Providers__demo__ApiKey"] = DemoProviderKey,
            // Demo: Nemo.Gateway/appsettings.Demo.json holds the demo provider's model catalog.
            ["ASPNETCORE_ENVIRONMENT"] = "Demo",
            // Every process on this machine picks free Orleans silo and gateway ports on loopback.
            ["Nemo__Cluster__SiloPort"] = "0",
            ["Nemo__Cluster__GatewayPort"] = "0",
        };
        if (role is not null)
        {
            environment["Nemo__Role"] = role;
        }

        return environment;
    }
}
