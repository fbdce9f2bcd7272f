namespace Nemo.Tests.Infrastructure;

/// <summary>One database and one running Nemo per test class (xunit class fixture).</summary>
public class NemoHostFixture : IAsyncLifetime
{
    public TestDatabase Database { get; } = new();

    public NemoTestHost Host { get; private set; } = null!;

    protected virtual IDictionary<string, string?>? Settings => null;

    public async ValueTask InitializeAsync()
    {
        await Database.InitializeAsync();
        Host = await NemoTestHost.StartAsync(Database.ConnectionString, Settings);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Database.DisposeAsync();
    }
}
