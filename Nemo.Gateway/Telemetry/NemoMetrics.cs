using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Providers;
using Nemo.Gateway.Proxy;
using Nemo.Grains.Diagnostics;
using Nemo.Grains.Spend;
using Nemo.ServiceDefaults.Telemetry;

namespace Nemo.Gateway.Telemetry;

/// <summary>
/// The gateway's instruments on the one <c>Nemo</c> meter (System.Diagnostics.Metrics; exported by
/// Nemo.ServiceDefaults as Prometheus text and OTLP). A singleton: instruments are created once, tags
/// are built from strings that already exist (the route, the catalog's model and provider names, a
/// fixed status-class table) in a stack-allocated TagList, so recording allocates nothing. Labels are
/// bounded by the model catalog; the organization label exists only when
/// <c>Nemo:Telemetry:OrganizationLabel</c> is on.
/// </summary>
internal sealed class NemoMetrics
{
    /// <summary>The model/deployment label of a request refused before its model was known.</summary>
    public const string None = "none";

    private static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
    private static readonly double[] FastBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15];
    private static readonly string[] StatusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"];

    private readonly bool _organizationLabel;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly Counter<long> _admissions;
    private readonly Histogram<double> _authorizeDuration;
    private readonly Histogram<double> _settleDuration;
    private readonly Histogram<double> _upstreamDuration;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _cost;
    private readonly UpDownCounter<long> _streams;
    private readonly Counter<long> _keyCache;
    private readonly Counter<long> _guardrailHits;
    private long _webhookBacklog;
    private long _emailBacklog;

    public NemoMetrics(IMeterFactory meters, IOptions<TelemetryOptions> options)
    {
        _organizationLabel = options.Value.OrganizationLabel;
        Meter meter = meters.Create(NemoInstrumentation.MeterName);
        _requests = meter.CreateCounter<long>("nemo.gateway.requests", "{request}",
            "LLM requests answered, by route, model, deployment (provider) and status class.");
        _requestDuration = meter.CreateHistogram("nemo.gateway.request.duration", "s",
            "Time from a request's arrival to its last byte (streams: to [DONE]), by route, model, deployment and status class.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _admissions = meter.CreateCounter<long>("nemo.gateway.admissions", "{request}",
            "Authorization outcomes: admitted, or refused by reason (unauthorized 401, forbidden 403, payment_required 402, rate_limited 429) and code.");
        _authorizeDuration = meter.CreateHistogram("nemo.gateway.authorize.duration", "s",
            "One authorize grain call, retries included.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = FastBuckets });
        _settleDuration = meter.CreateHistogram("nemo.gateway.settle.duration", "s",
            "One settle grain call, durable ledger commit and retries included.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = FastBuckets });
        _upstreamDuration = meter.CreateHistogram("nemo.gateway.upstream.duration", "s",
            "Time until the provider's response headers (a non-streamed completion sends them when done), by model, deployment and status class.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _timeToFirstToken = meter.CreateHistogram("nemo.gateway.time_to_first_token", "s",
            "Streams: time from the request's arrival to the first event relayed to the client.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _tokens = meter.CreateCounter<long>("nemo.gateway.tokens", "{token}", "Tokens settled, by model, deployment and kind (prompt, completion).");
        _cost = meter.CreateCounter<long>("nemo.gateway.cost", "{nanodollar}",
            "Cost settled in nano-dollars (integer; 1 USD = 1,000,000,000), by model and deployment.");
        _streams = meter.CreateUpDownCounter<long>("nemo.gateway.streams.active", "{stream}", "Streams being relayed now.");
        _keyCache = meter.CreateCounter<long>("nemo.gateway.key_cache.lookups", "{lookup}", "API key lookups by result: hit (memory) or miss (database or negative cache).");
        _guardrailHits = meter.CreateCounter<long>("nemo.gateway.guardrail.hits", "{hit}",
            "Guardrail rules hit, by kind, action and stage (input, output); with the organization label on, also by organization and rule id. Never the matched text.");
        meter.CreateObservableGauge("nemo.outbox.backlog", () => (Measurement<long>[])
            [
                new(Volatile.Read(ref _webhookBacklog), new KeyValuePair<string, object?>("outbox", "webhook")),
                new(Volatile.Read(ref _emailBacklog), new KeyValuePair<string, object?>("outbox", "email")),
            ], "{message}", "Webhook notifications and emails not yet delivered nor given up, as of the outbox's last poll.");
    }

    public static string StatusClass(int status) => status is >= 100 and < 600 ? StatusClasses[status / 100 - 1] : "other";

    public static string Route(LlmEndpoint endpoint) => endpoint switch
    {
        LlmEndpoint.ChatCompletions => "/v1/chat/completions",
        LlmEndpoint.Completions => "/v1/completions",
        _ => "/v1/embeddings",
    };

    /// <summary>One LLM request answered (any status).</summary>
    public void Request(LlmEndpoint endpoint, CatalogModel? model, int status, TimeSpan duration, Guid? organizationId)
    {
        if (!_requests.Enabled && !_requestDuration.Enabled)
            return;
        var tags = new TagList
        {
            { "route", Route(endpoint) },
            { "model", model?.Name ?? None },
            { "deployment", model?.Provider ?? None },
            { "status_class", StatusClass(status) },
        };
        if (_organizationLabel)
            tags.Add("organization", organizationId?.ToString() ?? None);
        _requests.Add(1, tags);
        _requestDuration.Record(duration.TotalSeconds, tags);
    }

    public void Admitted(TimeSpan authorizeTook)
    {
        _authorizeDuration.Record(authorizeTook.TotalSeconds);
        _admissions.Add(1, new KeyValuePair<string, object?>("outcome", "admitted"));
    }

    public void Refused(AuthorizeOutcome outcome, string? code, TimeSpan? authorizeTook = null)
    {
        if (authorizeTook is { } took)
            _authorizeDuration.Record(took.TotalSeconds);
        _admissions.Add(1, new KeyValuePair<string, object?>("outcome", Reason(outcome)), new KeyValuePair<string, object?>("code", code ?? None));
    }

    public void Settled(TimeSpan took) => _settleDuration.Record(took.TotalSeconds);

    public void Upstream(CatalogModel model, int status, TimeSpan took) =>
        _upstreamDuration.Record(took.TotalSeconds, new KeyValuePair<string, object?>("model", model.Name), new KeyValuePair<string, object?>("deployment", model.Provider),
            new KeyValuePair<string, object?>("status_class", status == 0 ? "error" : StatusClass(status)));

    public void FirstToken(CatalogModel model, TimeSpan sinceArrival) =>
        _timeToFirstToken.Record(sinceArrival.TotalSeconds, new KeyValuePair<string, object?>("model", model.Name), new KeyValuePair<string, object?>("deployment", model.Provider));

    /// <summary>A settled request's tokens and cost (integer nano-dollars).</summary>
    public void Usage(CatalogModel model, long promptTokens, long completionTokens, long cost)
    {
        var modelTag = new KeyValuePair<string, object?>("model", model.Name);
        var deploymentTag = new KeyValuePair<string, object?>("deployment", model.Provider);
        _tokens.Add(promptTokens, modelTag, deploymentTag, new KeyValuePair<string, object?>("kind", "prompt"));
        _tokens.Add(completionTokens, modelTag, deploymentTag, new KeyValuePair<string, object?>("kind", "completion"));
        _cost.Add(cost, modelTag, deploymentTag);
    }

    public void StreamStarted() => _streams.Add(1);

    public void StreamEnded() => _streams.Add(-1);

    /// <summary>One guardrail rule hit by one request at one stage.</summary>
    public void GuardrailHit(Guardrails.GuardrailRule rule, Guardrails.GuardrailStage stage, Guid organizationId)
    {
        if (!_guardrailHits.Enabled)
            return;
        var tags = new TagList
        {
            { "kind", Guardrails.GuardrailConfig.Name(rule.Kind) },
            { "action", Guardrails.GuardrailConfig.Name(rule.Action) },
            { "stage", stage == Guardrails.GuardrailStage.Output ? "output" : "input" },
        };
        if (_organizationLabel)
        {
            tags.Add("organization", organizationId.ToString());
            tags.Add("rule", rule.Id.ToString());
        }
        _guardrailHits.Add(1, tags);
    }

    public void KeyLookup(bool hit) => _keyCache.Add(1, new KeyValuePair<string, object?>("result", hit ? "hit" : "miss"));

    /// <summary>The backlog an outbox counted at its last poll (<c>webhook</c> or <c>email</c>).</summary>
    public void OutboxBacklog(string outbox, long count)
    {
        if (outbox == "webhook")
            Volatile.Write(ref _webhookBacklog, count);
        else
            Volatile.Write(ref _emailBacklog, count);
    }

    private static string Reason(AuthorizeOutcome outcome) => outcome switch
    {
        AuthorizeOutcome.Unauthorized => "unauthorized",
        AuthorizeOutcome.Forbidden => "forbidden",
        AuthorizeOutcome.PaymentRequired => "payment_required",
        AuthorizeOutcome.RateLimited => "rate_limited",
        _ => "unavailable",
    };
}
