using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nemo.Cluster.Calls;
using Nemo.Cluster.Hosting;
using Nemo.Grains.Contracts;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Orleans;

/// <summary>
/// Mutual TLS on the cluster (Nemo:Cluster:Tls*): a silo and a split-gateway client with certificates
/// from the cluster's CA reach each other; a client whose certificate comes from another CA, or a client
/// without TLS, never reaches a grain. Certificates are generated per test class into a temp directory.
/// </summary>
public sealed class ClusterTlsTests : IAsyncLifetime
{
    private const string Password = "nemo-tls-test";

    private readonly TestDatabase _database = new();
    private readonly string _clusterId = "tls-" + Guid.NewGuid().ToString("N")[..8];
    private readonly DirectoryInfo _certificates = Directory.CreateTempSubdirectory("nemo-tls-");
    private readonly List<IHost> _hosts = [];
    private string _caPath = "";
    private string _siloPfx = "";
    private string _clientPfx = "";
    private string _foreignClientPfx = "";

    public async ValueTask InitializeAsync()
    {
        await _database.InitializeAsync();
        await OrleansTestHost.MigrateAsync(_database.ConnectionString);

        using X509Certificate2 ca = CreateCa("CN=Nemo Cluster Test CA");
        _caPath = Write("ca.cer", ca.Export(X509ContentType.Cert));
        _siloPfx = WritePfx("silo.pfx", ca, "CN=nemo-silo");
        _clientPfx = WritePfx("client.pfx", ca, "CN=nemo-gateway");

        // An unrelated CA with the same subject name: only the signature chain tells its certificates apart.
        using X509Certificate2 foreignCa = CreateCa("CN=Nemo Cluster Test CA");
        _foreignClientPfx = WritePfx("foreign-client.pfx", foreignCa, "CN=nemo-gateway");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (IHost host in Enumerable.Reverse(_hosts))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await host.StopAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // A host whose start was cancelled, or one that would not stop in time: dispose it anyway.
            }
            if (host is IAsyncDisposable asyncDisposable)
                await asyncDisposable.DisposeAsync();
            else
                host.Dispose();
        }
        await _database.DisposeAsync();
        _certificates.Delete(recursive: true);
    }

    [Fact]
    public async Task Tls_SiloAndClientWithCertificatesFromTheClusterCa_Connect()
    {
        await StartSiloAsync();
        IHost client = BuildClient(Tls(_clientPfx, _caPath));

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            await client.StartAsync(timeout.Token);
        CreditsView credits = await client.Services.GetRequiredService<OrganizationCalls>().GetCreditsAsync(Guid.NewGuid(), CancellationToken.None);

        Assert.Equal(new CreditsView(0, 0, 0), credits); // an unknown organization: reached, nothing bought
    }

    [Fact]
    public async Task Tls_ClientWithACertificateFromAnotherCa_IsRefused()
    {
        await StartSiloAsync();
        // The client itself trusts the cluster CA (it would accept the silo): the refusal is the silo's, of the client's certificate.
        IHost client = BuildClient(Tls(_foreignClientPfx, _caPath));

        await AssertNeverReachesAGrainAsync(client);
    }

    [Fact]
    public async Task Tls_ClientWithoutTls_IsRefused()
    {
        await StartSiloAsync();
        IHost client = BuildClient(new Dictionary<string, string?>());

        await AssertNeverReachesAGrainAsync(client);
    }

    /// <summary>
    /// The client's connection retry filter retries forever, so a client that cannot connect to any gateway
    /// never finishes starting: its start is cancelled by the bound. Should it start anyway (a gateway
    /// accepted the connection), the grain call itself must fail with ClusterUnavailableException.
    /// </summary>
    private static async Task AssertNeverReachesAGrainAsync(IHost client)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(8));
        try
        {
            await client.StartAsync(bound.Token);
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested)
        {
            return; // Refused: never connected to a gateway within the bound.
        }
        await Assert.ThrowsAsync<ClusterUnavailableException>(async () =>
            await client.Services.GetRequiredService<OrganizationCalls>().GetCreditsAsync(Guid.NewGuid(), CancellationToken.None));
    }

    private Dictionary<string, string?> Tls(string pfx, string ca) => new()
    {
        ["Nemo:Cluster:TlsCertificatePath"] = pfx,
        ["Nemo:Cluster:TlsCertificatePassword"] = Password,
        ["Nemo:Cluster:TlsCaCertificatePath"] = ca,
    };

    /// <summary>A silo as Nemo.Silo runs it (NemoTestHost.StartSiloAsync), with the cluster's TLS settings.</summary>
    private async Task StartSiloAsync()
    {
        string contentRoot = Directory.CreateTempSubdirectory("nemo-test-").FullName;
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = contentRoot, Args = ["--urls", "http://127.0.0.1:0"] });
        var config = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Nemo"] = _database.ConnectionString,
            ["NEMO_MASTER_KEY"] = NemoTestHost.MasterKey,
            ["Nemo:Cluster:ClusterId"] = _clusterId,
            ["Nemo:Cluster:ListenAddress"] = "127.0.0.1",
            ["Nemo:Cluster:SiloPort"] = "0",
            ["Nemo:Cluster:GatewayPort"] = "0",
        };
        foreach ((string key, string? value) in Tls(_siloPfx, _caPath))
            config[key] = value;
        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", LogLevel.Error);
        builder.AddNemoSilo();
        WebApplication app = builder.Build();
        app.MapNemoHealth();
        _hosts.Add(app);

        await app.StartAsync();
        NemoReadiness readiness = app.Services.GetRequiredService<NemoReadiness>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!readiness.Ready)
            await Task.Delay(20, timeout.Token);
    }

    /// <summary>A split gateway's Orleans client (as OrleansProbeClient), with short call bounds; not started.</summary>
    private IHost BuildClient(Dictionary<string, string?> tls)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var config = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Nemo"] = _database.ConnectionString,
            ["Nemo:Cluster:ClusterId"] = _clusterId,
            ["Nemo:Cluster:CallDeadline"] = "00:00:03",
            ["Nemo:Cluster:ResponseTimeout"] = "00:00:01",
        };
        foreach ((string key, string? value) in tls)
            config[key] = value;
        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", LogLevel.Error);
        builder.AddNemoClusterClient();
        IHost host = builder.Build();
        _hosts.Add(host);
        return host;
    }

    private string Write(string name, byte[] content)
    {
        string path = Path.Combine(_certificates.FullName, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private string WritePfx(string name, X509Certificate2 ca, string subject)
    {
        using X509Certificate2 leaf = CreateLeaf(ca, subject);
        return Write(name, leaf.Export(X509ContentType.Pfx, Password));
    }

    private static X509Certificate2 CreateCa(string subject)
    {
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
    }

    /// <summary>A node certificate signed by <paramref name="ca"/>, for both ends of a connection, naming 127.0.0.1.</summary>
    private static X509Certificate2 CreateLeaf(X509Certificate2 ca, string subject)
    {
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication"), new Oid("1.3.6.1.5.5.7.3.2", "Client Authentication")], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        DateTimeOffset now = DateTimeOffset.UtcNow;
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive serial number
        using X509Certificate2 issued = request.Create(ca, now.AddHours(-1), now.AddDays(7), serial);
        return issued.CopyWithPrivateKey(key);
    }
}
