using System.Collections.Concurrent;
using System.Net.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nemo.Grains.Authorization;
using Nemo.Grains.Contracts;
using Nemo.Grains.Spend;
using Nemo.Grains.Tenancy;
using Nemo.Runtime.Hosting;
using Nemo.Runtime.Partitions;
using Nemo.Runtime.Routing;
using Nemo.Runtime.Silo;
using Nemo.Runtime.Transport;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Nemo.Runtime.Client;

/// <summary>
/// The one way gateways (and the admin API) call grains: by organization. Each call goes to the silo
/// that owns the organization's partition — in-process when that is this process, else over HTTP/2 —
/// and is retried with backoff (refreshing routing) while partitions move or a silo fails over, up to
/// Nemo:Cluster:CallDeadline. All calls are idempotent by request id, so retries are safe.
///
/// It also remembers the requests it was told were admitted and hasn't settled or released yet; when a
/// partition changes owner or epoch it re-presents those to the new owner (<see cref="ReassertAsync"/>),
/// which, after a crash takeover, holds back new admissions until they are back (RecoveryWindow).
/// </summary>
public sealed partial class ClusterClient
{
    private readonly LocalSiloEndpoint? _local;
    private readonly RoutingTable _routing;
    private readonly ClusterOptions _options;
    private readonly HttpClient _http;
    private readonly ClusterSecret _secret;
    private readonly ResiliencePipeline _pipeline;
    private readonly ConcurrentDictionary<string, HttpSiloEndpoint> _remotes = new(StringComparer.Ordinal);
    private readonly InFlightAdmissions _inFlight;
    private readonly ILogger<ClusterClient> _logger;

    internal ClusterClient(IServiceProvider services, RoutingTable routing, ClusterOptions options, ClusterSecret secret, TimeProvider time,
        SpendOptions spend, ILogger<ClusterClient> logger)
    {
        _logger = logger;
        _inFlight = new InFlightAdmissions(time, spend.ReservationTtl, options.PartitionCount);
        routing.OwnerChanged += changed => _ = ReassertAsync(changed);
        _local = services.GetService<LocalSiloEndpoint>();
        _routing = routing;
        _options = options;
        _secret = secret;
        _http = new HttpClient(new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(2),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddTimeout(new TimeoutStrategyOptions { Timeout = options.CallDeadline })
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<NotOwnerException>().Handle<SiloUnavailableException>().Handle<HttpRequestException>(),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromMilliseconds(20),
                MaxDelay = TimeSpan.FromMilliseconds(500),
                UseJitter = true,
                OnRetry = args => new ValueTask(_routing.RefreshAsync(args.Context.CancellationToken)),
            })
            .Build();
    }

    public async ValueTask<AuthorizeResult> AuthorizeAsync(AuthorizeRequest request, CancellationToken cancellationToken)
    {
        AuthorizeResult result = await AuthorizeCoreAsync(request, cancellationToken);
        if (result.Admitted)
            _inFlight.Admitted(request);
        return result;
    }

    private async ValueTask<AuthorizeResult> AuthorizeCoreAsync(AuthorizeRequest request, CancellationToken cancellationToken)
    {
        if (_local is not null && _local.Admits(request.OrganizationId))
        {
            AuthorizeResult? local = await TryLocalAsync(_local.AuthorizeAsync(request, cancellationToken), static r => r.Outcome == AuthorizeOutcome.NotOwner);
            if (local is not null)
                return local;
        }
        return await InvokeAsync(request.OrganizationId, request, static (silo, r, ct) => silo.AuthorizeAsync(r, ct),
            static r => r.Outcome == AuthorizeOutcome.NotOwner, cancellationToken);
    }

    public async ValueTask<SettleOutcome> SettleAsync(SettleRequest request, CancellationToken cancellationToken)
    {
        _inFlight.Settling(request.RequestId);
        SettleOutcome outcome = await SettleCoreAsync(request, cancellationToken);
        _inFlight.Done(request.RequestId);
        return outcome;
    }

    private async ValueTask<SettleOutcome> SettleCoreAsync(SettleRequest request, CancellationToken cancellationToken)
    {
        if (_local is not null && _local.Serves(request.OrganizationId))
        {
            SettleReply? local = await TryLocalAsync(_local.SettleAsync(request, cancellationToken), static r => r.Outcome == SettleOutcome.NotOwner);
            if (local is not null)
                return local.Outcome;
        }
        SettleReply reply = await InvokeAsync(request.OrganizationId, request, static (silo, r, ct) => silo.SettleAsync(r, ct),
            static r => r.Outcome == SettleOutcome.NotOwner, cancellationToken);
        return reply.Outcome;
    }

    /// <summary>
    /// The in-process fast path, without the retry pipeline: its answer, or null when the partition
    /// moved or storage failed meanwhile — then the caller goes through the pipeline, which retries
    /// (every call is idempotent by request id).
    /// </summary>
    private static async ValueTask<T?> TryLocalAsync<T>(ValueTask<T> call, Func<T, bool> notOwner) where T : class
    {
        try
        {
            T result = await call;
            return notOwner(result) ? null : result;
        }
        catch (SiloUnavailableException)
        {
            return null;
        }
    }

    public async ValueTask ReleaseAsync(ReleaseRequest request, CancellationToken cancellationToken)
    {
        _inFlight.Settling(request.RequestId);
        await InvokeAsync(request.OrganizationId, request, static (silo, r, ct) => silo.ReleaseAsync(r, ct), static r => r.NotOwner, cancellationToken);
        _inFlight.Done(request.RequestId);
    }

    /// <summary>Re-presents this node's in-flight admissions of partitions whose owner or epoch changed.</summary>
    private async Task ReassertAsync(IReadOnlyList<(int Partition, string Owner)> changed)
    {
        var partitions = changed.Select(c => c.Partition).ToHashSet();
        foreach (IGrouping<Guid, AuthorizeRequest> organization in _inFlight.ForPartitions(partitions))
        {
            try
            {
                await InvokeAsync(organization.Key, new ReassertRequest(organization.Key, [.. organization]),
                    static (silo, r, ct) => silo.ReassertAsync(r, ct), static r => r.NotOwner, CancellationToken.None);
                LogReasserted(organization.Count(), organization.Key);
            }
            catch (SiloUnavailableException ex)
            {
                LogReassertFailed(ex, organization.Key);
            }
        }
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Re-asserted {Count} in-flight reservations of organization {OrganizationId} to its partition's new owner")]
    private partial void LogReasserted(int count, Guid organizationId);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Re-asserting reservations of organization {OrganizationId} failed; they stay unaccounted until settled")]
    private partial void LogReassertFailed(Exception exception, Guid organizationId);

    public async ValueTask<CreditsView> GetCreditsAsync(Guid organizationId, CancellationToken cancellationToken) =>
        (await InvokeAsync(organizationId, new CreditsQuery(organizationId), static (silo, q, ct) => silo.GetCreditsAsync(q, ct),
            static r => r.NotOwner, cancellationToken)).Credits;

    public async ValueTask<BudgetView> GetBudgetAsync(Guid organizationId, BudgetScope scope, CancellationToken cancellationToken) =>
        (await InvokeAsync(organizationId, new BudgetQuery(organizationId, scope.Kind, scope.Id), static (silo, q, ct) => silo.GetBudgetAsync(q, ct),
            static r => r.NotOwner, cancellationToken)).Budget;

    /// <summary>Makes a grain re-read its configuration, wherever it is active.</summary>
    public async ValueTask RefreshAsync(Guid organizationId, string grainType, string key, CancellationToken cancellationToken) =>
        await InvokeAsync(organizationId, new RefreshCommand(organizationId, grainType, key), static (silo, c, ct) => silo.RefreshAsync(c, ct),
            static r => r.NotOwner, cancellationToken);

    /// <summary>Deactivates every grain of an organization on the silo that owns it (e.g. after it was deleted).</summary>
    public async ValueTask DeactivateOrganizationAsync(Guid organizationId, CancellationToken cancellationToken) =>
        await InvokeAsync(organizationId, new DeactivateOrganizationCommand(organizationId), static (silo, c, ct) => silo.DeactivateOrganizationAsync(c, ct),
            static r => r.NotOwner, cancellationToken);

    public ValueTask RefreshOrganizationAsync(Guid organizationId, CancellationToken cancellationToken) =>
        RefreshAsync(organizationId, IOrganizationGrain.TypeName, organizationId.ToString(), cancellationToken);

    private async ValueTask<TResult> InvokeAsync<TRequest, TResult>(Guid organizationId, TRequest request,
        Func<ISiloEndpoint, TRequest, CancellationToken, ValueTask<TResult>> call, Func<TResult, bool> notOwner, CancellationToken cancellationToken)
    {
        int partition = PartitionMap.PartitionOf(organizationId, _options.PartitionCount);
        try
        {
            return await _pipeline.ExecuteAsync(async ct =>
            {
                ISiloEndpoint silo = Resolve(partition) ?? throw new NotOwnerException(partition);
                TResult result = await call(silo, request, ct);
                return notOwner(result) ? throw new NotOwnerException(partition) : result;
            }, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutRejectedException or NotOwnerException)
        {
            throw new SiloUnavailableException(
                $"No silo served partition {partition} within Nemo:Cluster:CallDeadline ({_options.CallDeadline.TotalSeconds:0.#} s). Check that silos are running and can reach PostgreSQL.", ex);
        }
    }

    private ISiloEndpoint? Resolve(int partition)
    {
        if (_local is not null && _local.Serves(partition))
            return _local;
        string? address = _routing.OwnerOf(partition);
        return address is null ? null : _remotes.GetOrAdd(address, a => new HttpSiloEndpoint(_http, a, _secret));
    }
}
