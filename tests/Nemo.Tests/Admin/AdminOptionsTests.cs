using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>The admin API's settings are validated at start-up, every problem reported at once.</summary>
public sealed class AdminOptionsTests : IAsyncLifetime
{
    private readonly TestDatabase _database = new();

    public ValueTask InitializeAsync() => _database.InitializeAsync();

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task InvalidSettings_StopStartUp_NamingEachSettingAndItsValue()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Nemo:Admin:MaxBodyBytes"] = "10",
            ["Nemo:Admin:PublicUrl"] = "ftp://nemo",
            ["Nemo:Email:SmtpPort"] = "0",
            ["Nemo:Email:From"] = "not an address",
            ["Nemo:Webhooks:MaxAttempts"] = "0",
            ["Nemo:Retention:BatchSize"] = "0",
            ["Nemo:Webhooks:AllowedHosts:0"] = "http://hooks.example.com/",
            ["Nemo:Signup:PermitsPerAddress"] = "0",
            ["Nemo:Auth:FailuresPerAddress"] = "0",
            ["Nemo:Auth:NegativeCacheTtl"] = "00:00:00",
        };
        Exception ex = await Assert.ThrowsAnyAsync<Exception>(() => NemoTestHost.StartGatewayAsync(_database.ConnectionString, "http://127.0.0.1:9", settings));
        string message = ex is AggregateException all ? string.Join("\n", all.Flatten().InnerExceptions.Select(e => e.Message)) : ex.Message;
        Assert.Contains("Nemo:Admin:MaxBodyBytes", message);
        Assert.Contains("(currently 10)", message);
        Assert.Contains("Nemo:Admin:PublicUrl", message);
        Assert.Contains("Nemo:Email:SmtpPort", message);
        Assert.Contains("Nemo:Email:From", message);
        Assert.Contains("Nemo:Webhooks:MaxAttempts", message);
        Assert.Contains("Nemo:Retention:BatchSize", message);
        Assert.Contains("Nemo:Webhooks:AllowedHosts", message);
        Assert.Contains("Nemo:Signup:PermitsPerAddress", message);
        Assert.Contains("Nemo:Auth:FailuresPerAddress", message);
        Assert.Contains("Nemo:Auth:NegativeCacheTtl", message);
    }
}
