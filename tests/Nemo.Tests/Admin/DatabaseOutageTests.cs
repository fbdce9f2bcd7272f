using System.Text.Json;
using Nemo.Tests.Infrastructure;
using Npgsql;

namespace Nemo.Tests.Admin;

/// <summary>
/// With PostgreSQL unreachable, every kind of admin route — a member's (whose authentication itself needs
/// the database), the operator's and the public ones — answers 503 in OpenAI's shape, not a 500.
/// </summary>
public sealed class DatabaseOutageTests : IAsyncLifetime
{
    private readonly TestDatabase _database = new();
    private TcpRelay _relay = null!;
    private NemoTestHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        await _database.InitializeAsync();
        var target = new NpgsqlConnectionStringBuilder(_database.ConnectionString);
        _relay = new TcpRelay(target.Host!, target.Port);
        string throughRelay = new NpgsqlConnectionStringBuilder(_database.ConnectionString)
        {
            Host = "127.0.0.1", Port = _relay.Port, Timeout = 3, CommandTimeout = 5,
        }.ConnectionString;
        _host = await NemoTestHost.StartAsync(throughRelay);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _relay.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task EveryKindOfAdminRoute_Answers503_WhileTheDatabaseIsUnreachable()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client);
        Assert.Equal(200, (await _host.Client.SendAsync(HttpMethod.Get, "/v1/organization", tenant.ApiKey)).Status);

        _relay.Cut();

        (HttpMethod Method, string Path, string? Bearer, object? Body)[] calls =
        [
            (HttpMethod.Get, "/v1/organization", tenant.ApiKey, null),
            (HttpMethod.Get, "/v1/credits", "sk-nemo-" + new string('U', 48), null),
            (HttpMethod.Post, "/v1/teams", tenant.ApiKey, new { name = "During outage" }),
            (HttpMethod.Get, "/v1/admin/organizations", NemoTestHost.MasterKey, null),
            (HttpMethod.Post, "/v1/admin/organizations", NemoTestHost.MasterKey, new { name = "X", owner_email = "x@example.com" }),
            (HttpMethod.Post, "/v1/signup", null, new { email = "outage@example.com", organization_name = "X" }),
            (HttpMethod.Post, "/v1/invitations/accept", null, new { token = "nemo_inv_" + new string('a', 43), email = "a@example.com" }),
        ];
        foreach ((HttpMethod method, string path, string? bearer, object? body) in calls)
        {
            (int status, JsonElement json, string text) = await _host.Client.SendAsync(method, path, bearer, body);
            Assert.True(status == 503, $"{method} {path}: expected 503, got {status}: {text}");
            Assert.Equal("service_unavailable", json.Code());
        }
    }
}
