using System.Net;

namespace Nemo.Bench.Load;

/// <summary>Builds the one HttpClient shared by every run: pooled HTTP/1.1 connections, nothing between us and the target.</summary>
internal static class BenchHttpClient
{
    public static HttpClient Create(int connectionsPerServer)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = connectionsPerServer,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
            UseCookies = false,
            // Never route loopback load through an HTTP(S)_PROXY from the environment.
            UseProxy = false,
        };

        return new HttpClient(handler, disposeHandler: true)
        {
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            // Runs bound every request themselves (drain deadline), without a timer per request.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }
}
