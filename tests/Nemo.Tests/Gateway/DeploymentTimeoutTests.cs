using Microsoft.Extensions.Configuration;
using Nemo.Gateway.Providers;

namespace Nemo.Tests.Gateway;

/// <summary>A deployment's first-byte and idle timeouts: its provider's, unless the model sets its own.</summary>
public sealed class DeploymentTimeoutTests
{
    private static Dictionary<string, string?> Settings() => new()
    {
        ["Nemo:Providers:p:BaseUrl"] = "https://provider.example/v1",
        ["Nemo:Providers:p:FirstByteTimeout"] = "00:00:30",
        ["Nemo:Providers:p:IdleTimeout"] = "00:00:20",
        ["Nemo:Providers:p:Models:fast:InputPerMillion"] = "1",
        ["Nemo:Providers:p:Models:fast:OutputPerMillion"] = "2",
        ["Nemo:Providers:p:Models:thinker:InputPerMillion"] = "1",
        ["Nemo:Providers:p:Models:thinker:OutputPerMillion"] = "2",
        ["Nemo:Providers:p:Models:thinker:FirstByteTimeout"] = "00:10:00",
        ["Nemo:Providers:p:Models:thinker:IdleTimeout"] = "00:02:00",
    };

    private static ModelCatalog Catalog(Dictionary<string, string?> settings) =>
        ModelCatalog.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());

    [Fact]
    public void AModelsOwnTimeouts_OverrideItsProviders_OthersKeepTheProviders()
    {
        ModelCatalog catalog = Catalog(Settings());

        Assert.True(catalog.TryFind("thinker", out CatalogModel thinker));
        Assert.True(catalog.TryFind("fast", out CatalogModel fast));
        Assert.Equal(TimeSpan.FromMinutes(10), thinker.Timeouts.FirstByte);
        Assert.Equal(TimeSpan.FromMinutes(2), thinker.Timeouts.Idle);
        Assert.Equal(TimeSpan.FromSeconds(30), fast.Timeouts.FirstByte);
        Assert.Equal(TimeSpan.FromSeconds(20), fast.Timeouts.Idle);
        Assert.Equal(fast.Timeouts.Connect, thinker.Timeouts.Connect); // connections are the provider's
    }

    [Fact]
    public void ANonPositiveModelTimeout_IsListedAtStartUp()
    {
        Dictionary<string, string?> settings = Settings();
        settings["Nemo:Providers:p:Models:thinker:FirstByteTimeout"] = "00:00:00";
        settings["Nemo:Providers:p:Models:fast:IdleTimeout"] = "-00:00:01";

        var error = Assert.Throws<InvalidOperationException>(() => Catalog(settings));

        Assert.Contains("Nemo:Providers:p:Models:thinker:FirstByteTimeout must be positive", error.Message);
        Assert.Contains("Nemo:Providers:p:Models:fast:IdleTimeout must be positive", error.Message);
    }
}
