using System.Net.Http.Headers;
using Nemo.Gateway.Providers;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// The gateway's HttpClients to providers, one per provider so each has its own connect timeout:
/// pooled connections, no automatic decompression (usage is read from the body), no redirects (a 3xx
/// is answered 502: following one would send the provider key elsewhere), the provider's key as
/// bearer — never the client's virtual key.
/// </summary>
internal sealed class UpstreamHttp : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly Dictionary<string, HttpClient> _clients = new(StringComparer.Ordinal);

    public UpstreamHttp(ModelCatalog catalog)
    {
        foreach (CatalogModel model in catalog.Models)
        {
            if (_clients.ContainsKey(model.Provider))
                continue;
            _clients[model.Provider] = new HttpClient(new SocketsHttpHandler
            {
                PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
                ConnectTimeout = model.Timeouts.Connect,
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None,
            })
            {
                // The per-call deadlines (first byte, idle, total) are UpstreamDeadline's.
                Timeout = Timeout.InfiniteTimeSpan,
            };
        }
    }

    public Task<HttpResponseMessage> SendAsync(CatalogModel model, LlmEndpoint endpoint, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var content = new ReadOnlyMemoryContent(body);
        content.Headers.ContentType = Json;
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(model.BaseUrl, endpoint.UpstreamPath())) { Content = content };
        if (!string.IsNullOrEmpty(model.ApiKey))
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", model.ApiKey);
        return _clients[model.Provider].SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    public void Dispose()
    {
        foreach (HttpClient client in _clients.Values)
            client.Dispose();
    }
}
