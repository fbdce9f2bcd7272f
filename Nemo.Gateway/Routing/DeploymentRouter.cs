using System.Collections.Concurrent;
using Nemo.Cluster.Calls;
using Nemo.Gateway.Credentials;
using Nemo.Gateway.Providers;
using Nemo.Gateway.Proxy;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Nemo.Gateway.Routing;

/// <summary>
/// Sends a request to one of its model's deployments and, while no byte has reached the client, to
/// another when that one fails (429, 5xx, no connection, or in cooldown): first the model's other
/// deployments, then its fallback models' in the configured order, skipping models the key may not use.
/// A deployment is chosen by weight between two random picks, the one with fewer requests in flight
/// winning (the "power of two choices": weights hold when idle, load evens out when busy). Retries are
/// Polly's (exponential backoff with jitter, at most <c>Nemo:Routing:MaxAttempts</c> attempts), cooldown
/// is each deployment's Polly circuit breaker (<see cref="DeploymentHealth"/>), which only steers: a
/// deployment in cooldown is tried last, never refused. A timeout is not retried:
/// the provider's first-byte wait already spent the client's patience. The request's
/// <see cref="RoutePlan"/> narrows and orders this: its own fallback list replaces the configured one, an
/// ignored provider is never used, and a provider the organization ranks first wins over weights.
/// </summary>
internal sealed class DeploymentRouter
{
    private readonly ModelCatalog _catalog;
    private readonly UpstreamHttp _http;
    private readonly ProviderCredentialCache _credentials;
    private readonly OrganizationCalls _cluster;
    private readonly ConcurrentDictionary<(string Model, string Provider, Guid? OwnKeyOf), DeploymentHealth> _health = new();
    private readonly RoutingOptions _options;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline<RoutedResponse> _retry;

    public DeploymentRouter(ModelCatalog catalog, UpstreamHttp http, ProviderCredentialCache credentials, OrganizationCalls cluster, TimeProvider time)
    {
        _catalog = catalog;
        _http = http;
        _credentials = credentials;
        _cluster = cluster;
        _options = catalog.Routing;
        _time = time;
        _retry = _options.MaxAttempts <= 1 ? ResiliencePipeline<RoutedResponse>.Empty : new ResiliencePipelineBuilder<RoutedResponse> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<RoutedResponse>
            {
                MaxRetryAttempts = _options.MaxAttempts - 1,
                Delay = _options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { Final: false } routed && Retryable(routed)),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>A deployment's health: the operator's credential's, or one organization's own key's.</summary>
    public DeploymentHealth Health(CatalogModel deployment, Guid? ownKeyOf = null) =>
        _health.GetOrAdd((deployment.Name, deployment.Provider, ownKeyOf), _ => new DeploymentHealth(_options, _time));

    public async Task<RoutedResponse> SendAsync(Admission admission, UpstreamDeadline deadline)
    {
        var attempt = new AttemptState(admission);
        try
        {
            return await _retry.ExecuteAsync(static async (state, token) => await state.Router.AttemptAsync(state.Attempt, state.Deadline),
                (Router: this, Attempt: attempt, Deadline: deadline), deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.Token.IsCancellationRequested)
        {
            // Cancelled while waiting between attempts: the deadline (or the client) ended the call.
            return new RoutedResponse(null, new OperationCanceledException(deadline.Token), attempt.Last ?? admission.Model, attempt.Count, null);
        }
    }

    /// <summary>One attempt: the next deployment, through its circuit breaker.</summary>
    private async Task<RoutedResponse> AttemptAsync(AttemptState attempt, UpstreamDeadline deadline)
    {
        CatalogModel? deployment = await NextAsync(attempt, deadline.Token);
        if (deployment is null)
            return new RoutedResponse(null, new BrokenCircuitException("No deployment is left to try."), attempt.Last ?? attempt.Admission.Model, attempt.Count, null) { Final = true };
        RoutedResponse routed = await SendToAsync(attempt, deployment, deadline);
        if (Retryable(routed) && (attempt.Count >= _options.MaxAttempts || await NextAsync(attempt, deadline.Token) is null))
            routed.Final = true;
        return routed;
    }

    private async Task<RoutedResponse> SendToAsync(AttemptState attempt, CatalogModel deployment, UpstreamDeadline deadline)
    {
        attempt.Count++;
        attempt.Last = deployment;
        attempt.Tried.Add((deployment.Name, deployment.Provider));
        CatalogModel sending = await _credentials.ApplyAsync(attempt.Admission.Key.OrganizationId, deployment, deadline.Token);
        // An organization's own key has its own limits and failures: its health is its own, so its 429s
        // never push other tenants off a deployment.
        DeploymentHealth health = Health(sending, ReferenceEquals(sending, deployment) ? null : attempt.Admission.Key.OrganizationId);
        ReadOnlyMemory<byte> body = deployment.UpstreamModel == attempt.Admission.Model.Name
            ? attempt.Admission.Request.UpstreamBody
            : ModelRewrite.Apply(attempt.Admission.Request.UpstreamBody, deployment.UpstreamModel);
        deadline.Arm(deployment.Timeouts.FirstByte, "its first byte");
        health.Started();
        try
        {
            // Cooldown steers traffic to other deployments; it never refuses the last one left, so no one's
            // failures can shut a model off for everyone.
            HttpResponseMessage response = health.CoolingDown
                ? await _http.SendAsync(sending, attempt.Admission.Endpoint, body, attempt.Admission.Request.Stream, deadline.Token)
                : await health.Pipeline.ExecuteAsync(
                    static async (state, token) => await state.Http.SendAsync(state.Sending, state.Endpoint, state.Body, state.Stream, token),
                    (Http: _http, Sending: sending, Endpoint: attempt.Admission.Endpoint, Body: body, Stream: attempt.Admission.Request.Stream), deadline.Token);
            return new RoutedResponse(response, null, deployment, attempt.Count, health);
        }
        catch (Exception ex) when (ex is HttpRequestException or BrokenCircuitException or OperationCanceledException)
        {
            health.Ended();
            return new RoutedResponse(null, ex, deployment, attempt.Count, null);
        }
    }

    /// <summary>Another attempt helps only after a failure another deployment might not have, and only if one is left.</summary>
    private static bool Retryable(RoutedResponse routed) =>
        routed.Failure is HttpRequestException or BrokenCircuitException
        || routed.Response is { } response && ((int)response.StatusCode == 429 || (int)response.StatusCode >= 500);

    /// <summary>
    /// The next untried deployment: the requested model's, then each allowed fallback's (the request's own
    /// <c>models</c>, else the configured ones); cooling ones only when nothing else is left.
    /// </summary>
    private async Task<CatalogModel?> NextAsync(AttemptState attempt, CancellationToken cancellationToken)
    {
        string requested = attempt.Admission.Model.Name;
        if (Pick(attempt, _catalog.Deployments(requested)) is { } own)
            return own;
        foreach (string fallback in attempt.Plan.Fallbacks(_catalog, requested))
        {
            if (fallback == requested || !await attempt.MayUseAsync(fallback, _cluster, cancellationToken) || attempt.RefusedBy(fallback, _catalog))
                continue;
            if (Pick(attempt, _catalog.Deployments(fallback)) is { } other)
                return other;
        }
        return null;
    }

    /// <summary>
    /// One of the model's untried deployments that serve the endpoint and that the organization doesn't
    /// ignore: among the healthy ones (else all: cooling only steers), the first of the organization's
    /// order, else one chosen by weight and load.
    /// </summary>
    private CatalogModel? Pick(AttemptState attempt, IReadOnlyList<CatalogModel> deployments)
    {
        LlmEndpoint endpoint = attempt.Admission.Endpoint;
        ProviderPreferences preferences = attempt.Plan.Preferences;
        if (deployments.Count == 1) // most models: no choice to make, nothing to allocate
        {
            CatalogModel only = deployments[0];
            return attempt.Tried.Contains((only.Name, only.Provider)) || !Serves(only, endpoint) || !preferences.Allows(only) ? null : only;
        }
        var open = new List<CatalogModel>(deployments.Count);
        foreach (CatalogModel d in deployments)
        {
            if (!attempt.Tried.Contains((d.Name, d.Provider)) && Serves(d, endpoint) && preferences.Allows(d))
                open.Add(d);
        }
        if (open.Count == 0)
            return null;
        List<CatalogModel> healthy = open.Where(d => !Health(d).CoolingDown).ToList();
        List<CatalogModel> candidates = healthy.Count > 0 ? healthy : open; // all cooling: try one anyway
        return preferences.Preferred(candidates) ?? Choose(candidates);
    }

    /// <summary>A model's deployments may be of several provider kinds; only those whose API has the endpoint can serve it.</summary>
    private static bool Serves(CatalogModel deployment, LlmEndpoint endpoint) => Providers.Adapters.ProviderAdapters.For(deployment.Kind).Serves(endpoint);

    /// <summary>Two picks by weight; the one with fewer requests in flight wins (the first on a tie).</summary>
    internal CatalogModel Choose(List<CatalogModel> from)
    {
        if (from.Count == 1)
            return from[0];
        CatalogModel first = ByWeight(from), second = ByWeight(from);
        return Health(second).InFlight < Health(first).InFlight ? second : first;
    }

    private static CatalogModel ByWeight(List<CatalogModel> deployments)
    {
        int total = deployments.Sum(d => d.Weight);
        int ticket = Random.Shared.Next(total);
        foreach (CatalogModel d in deployments)
        {
            ticket -= d.Weight;
            if (ticket < 0)
                return d;
        }
        return deployments[^1];
    }

    private sealed class AttemptState(Admission admission)
    {
        private IReadOnlyList<string>? _allowed;
        private bool _allowedRead;

        public Admission Admission { get; } = admission;

        /// <summary>The request's fallbacks and its organization's provider preferences.</summary>
        public RoutePlan Plan { get; } = admission.Route ?? RoutePlan.Default;

        public HashSet<(string, string)> Tried { get; } = [];

        public int Count { get; set; }

        public CatalogModel? Last { get; set; }

        /// <summary>Whether the key may use a fallback model (one grain call, the first time a fallback is considered; no database).</summary>
        public async ValueTask<bool> MayUseAsync(string model, OrganizationCalls cluster, CancellationToken cancellationToken)
        {
            if (!_allowedRead)
            {
                _allowed = await cluster.GetAllowedModelsAsync(Admission.Key.OrganizationId, Admission.Key.TeamId, Admission.Key.KeyId, cancellationToken);
                _allowedRead = true;
            }
            return _allowed is null || _allowed.Contains(model, StringComparer.Ordinal);
        }

        /// <summary>
        /// Whether a fallback model's provider adapters refuse the request (say an Anthropic fallback for a
        /// request with n = 2): only the requested model's were checked before authorization. The body is
        /// parsed on this path only, once.
        /// </summary>
        public bool RefusedBy(string model, ModelCatalog catalog)
        {
            if (_body is null)
            {
                using var document = System.Text.Json.JsonDocument.Parse(Admission.Request.UpstreamBody);
                _body = document.RootElement.Clone();
            }
            return catalog.Refuses(model, Admission.Endpoint, _body.Value) is not null;
        }

        private System.Text.Json.JsonElement? _body;
    }
}
