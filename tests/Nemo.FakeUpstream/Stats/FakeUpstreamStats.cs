using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Nemo.FakeUpstream;

/// <summary>
/// Counters of the requests the fake received, a DI singleton of the app and served as JSON by
/// GET /_fake/stats (POST /_fake/stats/reset clears them). A request is counted when it arrives,
/// before the API key check and before its body is read.
/// </summary>
public sealed class FakeUpstreamStats
{
    /// <summary>The key under which requests without an Authorization header are counted.</summary>
    public const string NoAuthorization = "(none)";

    /// <summary>Distinct Authorization values tracked; later ones are counted under "(other)".</summary>
    public const int MaxTrackedAuthorizations = 1024;

    private const string OtherAuthorization = "(other)";

    private readonly long[] _byRoute = new long[Enum.GetValues<FakeRoute>().Length];
    private readonly ConcurrentDictionary<string, StrongBox<long>> _byAuthorization = new(StringComparer.Ordinal);
    private long _unauthorized;
    private string? _lastAuthorization;
    private string? _lastModel;

    /// <summary>All /v1 requests.</summary>
    public long TotalRequests
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _byRoute.Length; i++)
            {
                total += Volatile.Read(ref _byRoute[i]);
            }

            return total;
        }
    }

    /// <summary>POST /v1/chat/completions requests.</summary>
    public long ChatCompletions => GetRequests(FakeRoute.ChatCompletions);

    /// <summary>POST /v1/completions requests.</summary>
    public long Completions => GetRequests(FakeRoute.Completions);

    /// <summary>POST /v1/embeddings requests.</summary>
    public long Embeddings => GetRequests(FakeRoute.Embeddings);

    /// <summary>GET /v1/models (and /v1/models/{id}) requests.</summary>
    public long Models => GetRequests(FakeRoute.Models);

    /// <summary>Requests answered 401 because RequiredApiKey did not match.</summary>
    public long Unauthorized => Volatile.Read(ref _unauthorized);

    /// <summary>The Authorization header of the last /v1 request; null if it had none.</summary>
    public string? LastAuthorization => Volatile.Read(ref _lastAuthorization);

    /// <summary>The <c>model</c> of the last body that named one.</summary>
    public string? LastModel => Volatile.Read(ref _lastModel);

    /// <summary>The deployment and api-version of the last Azure-style request ("deployment@version").</summary>
    public string? LastAzure => Volatile.Read(ref _lastAzure);

    private string? _lastAzure;

    internal void RecordAzure(string deployment, string version) => Volatile.Write(ref _lastAzure, deployment + "@" + version);

    private string? _lastGeminiApiKey;
    private string? _lastGeminiTarget;
    private string? _lastGeminiRequest;

    /// <summary>The <c>x-goog-api-key</c> header of the last Gemini request; null if it had none.</summary>
    public string? LastGeminiApiKey => Volatile.Read(ref _lastGeminiApiKey);

    /// <summary>The path and query of the last Gemini request, e.g. "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse".</summary>
    public string? LastGeminiTarget => Volatile.Read(ref _lastGeminiTarget);

    /// <summary>The body of the last Gemini request, as received (so a test can check a translation).</summary>
    public string? LastGeminiRequest => Volatile.Read(ref _lastGeminiRequest);

    internal void RecordGemini(string? apiKey, string target)
    {
        Volatile.Write(ref _lastGeminiApiKey, apiKey);
        Volatile.Write(ref _lastGeminiTarget, target);
    }

    internal void RecordGeminiRequest(string body) => Volatile.Write(ref _lastGeminiRequest, body);

    /// <summary>POST /v1/messages requests (the fake Anthropic).</summary>
    public long Messages => GetRequests(FakeRoute.Messages);

    /// <summary>The JSON body of the last Anthropic Messages request, as received.</summary>
    public string? LastAnthropicRequest => Volatile.Read(ref _lastAnthropicRequest);

    /// <summary>The <c>anthropic-version</c> header of the last Anthropic Messages request.</summary>
    public string? LastAnthropicVersion => Volatile.Read(ref _lastAnthropicVersion);

    private string? _lastAnthropicRequest;
    private string? _lastAnthropicVersion;

    internal void RecordAnthropic(string body, string version)
    {
        Volatile.Write(ref _lastAnthropicRequest, body);
        Volatile.Write(ref _lastAnthropicVersion, version);
    }

    /// <summary>Requests received on a route.</summary>
    public long GetRequests(FakeRoute route) => Volatile.Read(ref _byRoute[(int)route]);

    /// <summary>Requests per route path (see <see cref="FakeRoutePaths"/>).</summary>
    public IReadOnlyDictionary<string, long> RequestsByRoute =>
        Enum.GetValues<FakeRoute>().ToDictionary(FakeRoutePaths.Of, GetRequests, StringComparer.Ordinal);

    /// <summary>Requests per full Authorization header value ("(none)" when absent).</summary>
    public IReadOnlyDictionary<string, long> RequestsByAuthorization =>
        _byAuthorization.ToDictionary(p => p.Key, p => Volatile.Read(ref p.Value.Value), StringComparer.Ordinal);

    /// <summary>Requests whose Authorization header was exactly this value.</summary>
    public long GetRequestsWithAuthorization(string? authorization) =>
        _byAuthorization.TryGetValue(authorization ?? NoAuthorization, out var box) ? Volatile.Read(ref box.Value) : 0;

    /// <summary>Clears every counter.</summary>
    public void Reset()
    {
        for (var i = 0; i < _byRoute.Length; i++)
        {
            Volatile.Write(ref _byRoute[i], 0);
        }

        _byAuthorization.Clear();
        Volatile.Write(ref _unauthorized, 0);
        Volatile.Write(ref _lastAuthorization, null);
        Volatile.Write(ref _lastModel, null);
        Volatile.Write(ref _lastGeminiApiKey, null);
        Volatile.Write(ref _lastGeminiTarget, null);
        Volatile.Write(ref _lastGeminiRequest, null);
    }

    internal void RecordRequest(FakeRoute route, string? authorization)
    {
        Interlocked.Increment(ref _byRoute[(int)route]);
        Volatile.Write(ref _lastAuthorization, authorization);

        var key = authorization ?? NoAuthorization;
        if (!_byAuthorization.TryGetValue(key, out var box))
        {
            box = _byAuthorization.Count < MaxTrackedAuthorizations
                ? _byAuthorization.GetOrAdd(key, static _ => new StrongBox<long>())
                : _byAuthorization.GetOrAdd(OtherAuthorization, static _ => new StrongBox<long>());
        }

        Interlocked.Increment(ref box.Value);
    }

    internal void RecordUnauthorized() => Interlocked.Increment(ref _unauthorized);

    internal void RecordModel(string model) => Volatile.Write(ref _lastModel, model);
}
