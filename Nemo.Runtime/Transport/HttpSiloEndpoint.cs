using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Serialization.Metadata;
using Nemo.Grains.Spend;

namespace Nemo.Runtime.Transport;

/// <summary>
/// Calls one remote silo over HTTP/2 without TLS (prior knowledge), JSON bodies from a
/// source-generated context. Many calls share one connection as HTTP/2 streams.
/// </summary>
internal sealed class HttpSiloEndpoint(HttpClient http, string baseAddress, ClusterSecret secret) : ISiloEndpoint
{
    public string Address { get; } = baseAddress.TrimEnd('/');

    public ValueTask<AuthorizeResult> AuthorizeAsync(AuthorizeRequest request, CancellationToken cancellationToken) =>
        PostAsync("authorize", request, RpcJsonContext.Default.AuthorizeRequest, RpcJsonContext.Default.AuthorizeResult, cancellationToken);

    public ValueTask<SettleReply> SettleAsync(SettleRequest request, CancellationToken cancellationToken) =>
        PostAsync("settle", request, RpcJsonContext.Default.SettleRequest, RpcJsonContext.Default.SettleReply, cancellationToken);

    public ValueTask<AckReply> ReleaseAsync(ReleaseRequest request, CancellationToken cancellationToken) =>
        PostAsync("release", request, RpcJsonContext.Default.ReleaseRequest, RpcJsonContext.Default.AckReply, cancellationToken);

    public ValueTask<CreditsReply> GetCreditsAsync(CreditsQuery query, CancellationToken cancellationToken) =>
        PostAsync("credits", query, RpcJsonContext.Default.CreditsQuery, RpcJsonContext.Default.CreditsReply, cancellationToken);

    public ValueTask<BudgetReply> GetBudgetAsync(BudgetQuery query, CancellationToken cancellationToken) =>
        PostAsync("budget", query, RpcJsonContext.Default.BudgetQuery, RpcJsonContext.Default.BudgetReply, cancellationToken);

    public ValueTask<AckReply> RefreshAsync(RefreshCommand command, CancellationToken cancellationToken) =>
        PostAsync("refresh", command, RpcJsonContext.Default.RefreshCommand, RpcJsonContext.Default.AckReply, cancellationToken);

    public ValueTask<AckReply> ReassertAsync(ReassertRequest request, CancellationToken cancellationToken) =>
        PostAsync("reassert", request, RpcJsonContext.Default.ReassertRequest, RpcJsonContext.Default.AckReply, cancellationToken);

    public ValueTask<AckReply> DeactivateOrganizationAsync(DeactivateOrganizationCommand command, CancellationToken cancellationToken) =>
        PostAsync("deactivate-organization", command, RpcJsonContext.Default.DeactivateOrganizationCommand, RpcJsonContext.Default.AckReply, cancellationToken);

    private async ValueTask<TResponse> PostAsync<TRequest, TResponse>(string operation, TRequest body,
        JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, $"{Address}/_nemo/rpc/{operation}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = JsonContent.Create(body, requestType),
        };
        message.Headers.TryAddWithoutValidation(ClusterSecret.HeaderName, secret.Token);
        using HttpResponseMessage response = await http.SendAsync(message, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new SiloUnavailableException($"Silo {Address} answered {(int)response.StatusCode} to {operation}.");
        return await response.Content.ReadFromJsonAsync(responseType, cancellationToken)
            ?? throw new SiloUnavailableException($"Silo {Address} sent an empty answer to {operation}.");
    }
}
