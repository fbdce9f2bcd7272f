using Nemo.Gateway.Providers;

namespace Nemo.Gateway.Routing;

/// <summary>
/// The outcome of routing one request: the provider's response (or the exception of the last attempt),
/// the deployment that gave it and how many attempts it took. Disposing it ends the request's time in
/// flight at that deployment.
/// </summary>
internal sealed class RoutedResponse(HttpResponseMessage? response, Exception? failure, CatalogModel served, int attempts, DeploymentHealth? health) : IDisposable
{
    private DeploymentHealth? _health = health;

    public HttpResponseMessage? Response { get; } = response;

    public Exception? Failure { get; } = failure;

    public CatalogModel Served { get; } = served;

    public int Attempts { get; } = attempts;

    /// <summary>No other deployment is left to try: this outcome is the answer, whatever it is.</summary>
    public bool Final { get; set; }

    public void Dispose()
    {
        Response?.Dispose();
        Interlocked.Exchange(ref _health, null)?.Ended();
    }
}
