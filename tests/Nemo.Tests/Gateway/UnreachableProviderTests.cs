using System.Net;
using System.Net.Sockets;
using Nemo.Tests.Infrastructure;
using static Nemo.Tests.Gateway.ProxyProbe;

namespace Nemo.Tests.Gateway;

/// <summary>
/// Providers that can't be reached: one refuses connections (nothing listens on its port), one never
/// completes the TCP handshake (its accept queue is full, so the kernel drops the SYN). Both answer
/// 502 upstream_unreachable, the first at once and the second at ConnectTimeout (1 s here), long before
/// FirstByteTimeout (60 s); nothing is charged and nothing stays reserved.
/// </summary>
public sealed class UnreachableProviderTests(UnreachableProvidersFixture fixture) : IClassFixture<UnreachableProvidersFixture>
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("refusing-model", false)]
    [InlineData("refusing-model", true)]
    [InlineData("silent-model", false)]
    [InlineData("silent-model", true)]
    public async Task UnreachableProvider_Returns502Unreachable_Promptly_NothingCharged(string model, bool stream)
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        Outcome outcome = await SendAsync(fixture, tenant, new { model, stream, messages = new[] { new { role = "user", content = "hello" } } });

        Assert.Equal(HttpStatusCode.BadGateway, outcome.Status);
        Assert.Equal("upstream_unreachable", outcome.ErrorCode);
        Assert.DoesNotContain("127.0.0.1", outcome.Body);
        Assert.DoesNotContain(fixture.SilentPort.ToString(System.Globalization.CultureInfo.InvariantCulture), outcome.Body);
        Assert.InRange(outcome.Elapsed, TimeSpan.Zero, Prompt);
        await AssertNothingChargedAsync(fixture, tenant, outcome);
    }
}

/// <summary>A Nemo with two unreachable providers besides the fake one, their connect timeout 1 s.</summary>
public sealed class UnreachableProvidersFixture : NemoHostFixture
{
    private readonly Socket _silent = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _queueFillers = [];
    private readonly int _refusingPort;

    public UnreachableProvidersFixture()
    {
        // A port that was free a moment ago and that nothing listens on: connecting is refused.
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            _refusingPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        // A listener that never accepts, with its accept queue (backlog 1 → 2 connections) filled:
        // Linux drops further SYNs, so a connect neither succeeds nor fails until the client gives up.
        _silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _silent.Listen(1);
        SilentPort = ((IPEndPoint)_silent.LocalEndPoint!).Port;
        for (int i = 0; i < 2; i++)
        {
            var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            filler.Connect(IPAddress.Loopback, SilentPort);
            _queueFillers.Add(filler);
        }
    }

    public int SilentPort { get; }

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Nemo:Providers:refusing:BaseUrl"] = $"http://127.0.0.1:{_refusingPort}/v1",
        ["Nemo:Providers:refusing:ApiKey"] = "sk-refusing",
        ["Nemo:Providers:refusing:ConnectTimeout"] = "00:00:01",
        ["Nemo:Providers:refusing:Models:refusing-model:InputPerMillion"] = "1",
        ["Nemo:Providers:refusing:Models:refusing-model:OutputPerMillion"] = "1",
        ["Nemo:Providers:silent:BaseUrl"] = $"http://127.0.0.1:{SilentPort}/v1",
        ["Nemo:Providers:silent:ApiKey"] = "sk-silent",
        ["Nemo:Providers:silent:ConnectTimeout"] = "00:00:01",
        ["Nemo:Providers:silent:FirstByteTimeout"] = "00:01:00",
        ["Nemo:Providers:silent:Models:silent-model:InputPerMillion"] = "1",
        ["Nemo:Providers:silent:Models:silent-model:OutputPerMillion"] = "1",
    };

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (Socket filler in _queueFillers)
            filler.Dispose();
        _silent.Dispose();
    }
}
