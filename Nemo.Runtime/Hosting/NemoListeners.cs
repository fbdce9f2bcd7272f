using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Nemo.Runtime.Hosting;

/// <summary>
/// Kestrel listeners of a Nemo node. The public ones come from the usual <c>--urls</c> /
/// <c>ASPNETCORE_URLS</c>, HTTP/1.1 (TLS is terminated in front of Nemo, and cleartext HTTP/2 needs
/// prior knowledge that ordinary clients don't have).
/// A node that hosts a silo adds one more, HTTP/2-only, for silo calls (<c>Nemo:Cluster:SiloUrl</c>,
/// default an ephemeral loopback port): Kestrel speaks cleartext HTTP/2 (h2c, prior knowledge) only on
/// an endpoint limited to HTTP/2, and health probes and clients need HTTP/1.1 — so the two can't share
/// one port. Declaring listeners in code replaces Kestrel's own handling of <c>urls</c>, so those are
/// parsed here too.
/// </summary>
public static class NemoListeners
{
    public static WebApplicationBuilder ConfigureNemoListeners(this WebApplicationBuilder builder, bool hostsSilo)
    {
        var silo = new SiloListener();
        builder.Services.AddSingleton(silo);
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.AddServerHeader = false;
            string urls = context.Configuration["urls"] ?? "http://localhost:5000";
            foreach (string url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                Listen(kestrel, url, "urls", listen => listen.Protocols = HttpProtocols.Http1); // no TLS here: HTTP/2 would need ALPN
            if (hostsSilo)
            {
                string siloUrl = context.Configuration["Nemo:Cluster:SiloUrl"] ?? "http://127.0.0.1:0";
                Listen(kestrel, siloUrl, "Nemo:Cluster:SiloUrl", listen =>
                {
                    listen.Protocols = HttpProtocols.Http2;
                    silo.Options = listen;
                });
            }
        });
        return builder;
    }

    private static void Listen(KestrelServerOptions kestrel, string url, string setting, Action<ListenOptions> configure)
    {
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0"), UriKind.Absolute, out Uri? uri) || uri.Scheme != "http")
            throw new InvalidOperationException($"{setting} must hold http:// URLs such as http://127.0.0.1:8080 (currently '{url}'); terminate TLS in front of Nemo.");
        if (uri.Host == "localhost")
            kestrel.ListenLocalhost(uri.Port, configure);
        else if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out IPAddress? address))
            kestrel.Listen(address, uri.Port, configure);
        else
            throw new InvalidOperationException($"{setting}: listen on an IP address or localhost, not a host name (currently '{url}').");
    }
}

/// <summary>The silo-call listener, once Kestrel has bound it (its port is known only then).</summary>
public sealed class SiloListener
{
    internal ListenOptions? Options { get; set; }

    public int? Port => Options?.IPEndPoint?.Port;

    public string? BoundUrl => Options?.IPEndPoint is { } endpoint
        ? $"http://{(endpoint.Address.Equals(IPAddress.Any) ? "127.0.0.1" : endpoint.Address.ToString())}:{endpoint.Port}"
        : null;
}
