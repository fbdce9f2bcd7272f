using Microsoft.Extensions.DependencyInjection;

namespace Nemo.Tests.Infrastructure;

/// <summary>One database and one running Nemo per test class (xunit class fixture).</summary>
public class NemoHostFixture : IAsyncLifetime
{
    public TestDatabase Database { get; } = new();

    public NemoTestHost Host { get; private set; } = null!;

    protected virtual IDictionary<string, string?>? Settings => null;

    /// <summary>Service registrations applied after the gateway's own (they replace the product's).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public async ValueTask InitializeAsync()
    {
        await Database.InitializeAsync();
        Host = await NemoTestHost.StartAsync(Database.ConnectionString, Settings, services: ConfigureServices);
    }

    public virtual async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Database.DisposeAsync();
    }
}
