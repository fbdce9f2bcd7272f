using System.Net.Http.Headers;
using Nemo.Gateway.Providers;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// The gateway's one HttpClient to providers: pooled connections, no automatic decompression (usage is
/// read from the body), the provider's key as bearer — never the client's virtual key.
/// </summary>
internal sealed class UpstreamHttp : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        UseCookies = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public Task<HttpResponseMessage> SendAsync(CatalogModel model, LlmEndpoint endpoint, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var content = new ReadOnlyMemoryContent(body);
        content.Headers.ContentType = Json;
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(model.BaseUrl, endpoint.UpstreamPath())) { Content = content };
        if (!string.IsNullOrEmpty(model.ApiKey))
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", model.ApiKey);
        return _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    public void Dispose() => _http.Dispose();
}
