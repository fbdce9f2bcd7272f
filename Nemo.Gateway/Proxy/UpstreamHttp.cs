using Microsoft.Extensions.DependencyInjection;
using Nemo.Gateway.Providers;
using Nemo.Gateway.Providers.Adapters;
using Nemo.Gateway.Telemetry;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// The gateway's HttpClients to providers, one named IHttpClientFactory client per provider so each has
/// its own connect timeout: pooled connections (recycled every 5 minutes so DNS changes are seen), no
/// automatic decompression (usage is read from the body), no redirects (a 3xx is answered 502: following
/// one would send the provider key elsewhere), the provider's key (as its adapter sends it) — never the
/// client's virtual key. HttpClient's instrumentation propagates the request's W3C <c>traceparent</c> to the provider.
/// The clients are taken from the factory once, at start-up (their handlers never expire), so a request
/// allocates no client.
/// </summary>
internal sealed class UpstreamHttp
{
    private readonly Dictionary<string, HttpClient> _clients = new(StringComparer.Ordinal);
    private readonly NemoMetrics _metrics;
    private readonly TimeProvider _time;

    public UpstreamHttp(ModelCatalog catalog, IHttpClientFactory factory, NemoMetrics metrics, TimeProvider time)
    {
        _metrics = metrics;
        _time = time;
        foreach (CatalogModel model in catalog.Models)
            _clients.TryAdd(model.Provider, factory.CreateClient(ClientName(model.Provider)));
    }

    public static string ClientName(string provider) => "upstream:" + provider;

    /// <summary>Registers one named client per provider of the catalog.</summary>
    public static void AddClients(IServiceCollection services, ModelCatalog catalog)
    {
        foreach (CatalogModel model in catalog.Models.DistinctBy(m => m.Provider))
        {
            TimeSpan connect = model.Timeouts.Connect;
            services.AddHttpClient(ClientName(model.Provider), client => client.Timeout = Timeout.InfiniteTimeSpan) // the per-call deadlines are UpstreamDeadline's
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
                {
                    PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                    ConnectTimeout = connect,
                    AllowAutoRedirect = false,
                    UseCookies = false,
                    UseProxy = false,
                    AutomaticDecompression = System.Net.DecompressionMethods.None,
                    // A response Nemo abandons (an error body over UpstreamCall.MaxErrorBodyBytes, a broken
                    // stream) closes its connection instead of being drained: by default the handler reads up to
                    // 1 MiB of it in the background, and a provider sending huge error bodies would make every
                    // tenant pay for reading them (measured: healthy p99 ×3.5 beside 56/s 1 MiB errors).
                    MaxResponseDrainSize = UpstreamCall.MaxErrorBodyBytes,
                })
                .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// Sends an OpenAI-shaped body to a deployment through its provider kind's adapter, and returns the
    /// response (headers read, body not yet) in OpenAI's shapes.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(CatalogModel model, LlmEndpoint endpoint, ReadOnlyMemory<byte> body, bool stream, CancellationToken cancellationToken)
    {
        IProviderAdapter adapter = ProviderAdapters.For(model.Kind);
        HttpRequestMessage request = adapter.CreateRequest(model, endpoint, body, stream);
        long started = _time.GetTimestamp();
        int status = 0;
        try
        {
            HttpResponseMessage response = await _clients[model.Provider].SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            status = (int)response.StatusCode;
            return adapter.TranslateResponse(response, model, endpoint, stream);
        }
        finally
        {
            _metrics.Upstream(model, status, _time.GetElapsedTime(started));
        }
    }
}
