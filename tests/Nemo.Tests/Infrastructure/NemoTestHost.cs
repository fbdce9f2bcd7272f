using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nemo.FakeUpstream;
using Nemo.Gateway.Hosting;
using Nemo.Cluster.Hosting;

namespace Nemo.Tests.Infrastructure;

/// <summary>
/// A real Nemo on loopback for tests: the fake OpenAI provider and an all-in-one gateway (gateway +
/// silo in one process) on Kestrel with OS-assigned ports, against a test database.
/// </summary>
public sealed class NemoTestHost : IAsyncDisposable
{
    public const string MasterKey = "nemo-mk-test-0123456789abcdefghijklmnopqrstuv";

    private NemoTestHost(WebApplication upstream, WebApplication gateway, FakeUpstreamOptions upstreamOptions)
    {
        Upstream = upstream;
        Gateway = gateway;
        UpstreamOptions = upstreamOptions;
        Client = new HttpClient { BaseAddress = new Uri(GatewayUrl) };
    }

    public WebApplication Upstream { get; }

    public WebApplication Gateway { get; }

    public FakeUpstreamOptions UpstreamOptions { get; }

    public string GatewayUrl => Gateway.Urls.First();

    public string UpstreamUrl => Upstream.Urls.First();

    public HttpClient Client { get; }

    public IServiceProvider Services => Gateway.Services;

    public T Get<T>() where T : notnull => Gateway.Services.GetRequiredService<T>();

    public static async Task<NemoTestHost> StartAsync(string connectionString, IDictionary<string, string?>? settings = null, FakeUpstreamOptions? upstreamOptions = null,
        Action<IServiceCollection>? services = null)
    {
        upstreamOptions ??= new FakeUpstreamOptions();
        WebApplication upstream = FakeUpstreamApp.Build(["--urls", "http://127.0.0.1:0"], upstreamOptions);
        await upstream.StartAsync();
        WebApplication gateway = await StartGatewayAsync(connectionString, upstream.Urls.First(), settings, services);
        return new NemoTestHost(upstream, gateway, upstreamOptions);
    }

    /// <summary>
    /// Starts (or restarts) an all-in-one gateway process equivalent, in-process. <paramref name="services"/>
    /// runs after the gateway's registrations, so a registration there replaces the product's (e.g. a
    /// recording payment provider).
    /// </summary>
    public static async Task<WebApplication> StartGatewayAsync(string connectionString, string upstreamUrl, IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var config = new Dictionary<string, string?>
        {
            ["Nemo:Role"] = "all-in-one",
            ["Nemo:Gateway:SignupOpen"] = "true",
            ["Nemo:Gateway:MaxRequestBodyBytes"] = "65536",
            ["Nemo:Gateway:UpstreamTimeout"] = "00:00:20",
            ["Nemo:Spend:ReservationTtl"] = "00:05:00",
            ["Nemo:Providers:fake:BaseUrl"] = upstreamUrl + "/v1",
            ["Nemo:Providers:fake:ApiKey"] = "sk-fake-provider-key",
            ["Nemo:Providers:fake:Models:gpt-4o-mini:InputPerMillion"] = "0.15",
            ["Nemo:Providers:fake:Models:gpt-4o-mini:OutputPerMillion"] = "0.60",
            ["Nemo:Providers:fake:Models:gpt-4o-mini:OutputCap"] = "1000",
            ["Nemo:Providers:fake:Models:gpt-3.5-turbo-instruct:InputPerMillion"] = "1.50",
            ["Nemo:Providers:fake:Models:gpt-3.5-turbo-instruct:OutputPerMillion"] = "2.00",
            ["Nemo:Providers:fake:Models:text-embedding-3-small:InputPerMillion"] = "0.02",
            ["Nemo:Providers:fake:Models:text-embedding-3-small:OutputPerMillion"] = "0",
            ["Nemo:Providers:fake:Models:text-embedding-3-small:OutputCap"] = "0",
        };
        if (settings is not null)
            foreach ((string key, string? value) in settings)
                config[key] = value;
        WebApplicationBuilder builder = CreateBuilder(connectionString, config);
        builder.AddNemoGateway();
        services?.Invoke(builder.Services);
        WebApplication app = builder.Build();
        app.MapNemoGateway();
        return await StartReadyAsync(app);
    }

    /// <summary>Starts a silo-only host, as Nemo.Silo's Program does, on its own loopback port.</summary>
    public static async Task<WebApplication> StartSiloAsync(string connectionString)
    {
        WebApplicationBuilder builder = CreateBuilder(connectionString, new Dictionary<string, string?>());
        builder.AddNemoSilo();
        WebApplication app = builder.Build();
        app.MapNemoHealth();
        return await StartReadyAsync(app);
    }

    /// <summary>A host builder on an OS-assigned loopback port with no appsettings.json: every setting is given here.</summary>
    private static WebApplicationBuilder CreateBuilder(string connectionString, Dictionary<string, string?> settings)
    {
        string contentRoot = Directory.CreateTempSubdirectory("nemo-test-").FullName;
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = contentRoot, Args = ["--urls", "http://127.0.0.1:0"] });
        var config = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Nemo"] = connectionString,
            ["NEMO_MASTER_KEY"] = MasterKey,
            ["Nemo:Cluster:SiloPort"] = "0",
            ["Nemo:Cluster:GatewayPort"] = "0",
        };
        foreach ((string key, string? value) in settings)
            config[key] = value;
        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", LogLevel.Error);
        return builder;
    }

    private static async Task<WebApplication> StartReadyAsync(WebApplication app)
    {
        await app.StartAsync();
        NemoReadiness readiness = app.Services.GetRequiredService<NemoReadiness>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!readiness.Ready)
            await Task.Delay(20, timeout.Token);
        return app;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Gateway.StopAsync();
        await Gateway.DisposeAsync();
        await Upstream.StopAsync();
        await Upstream.DisposeAsync();
    }
}
