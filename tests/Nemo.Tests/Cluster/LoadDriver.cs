using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;

namespace Nemo.Tests.Cluster;

/// <summary>
/// Closed-loop load for cluster tests: a few workers send chat completions through the gateways in
/// turn, until stopped or a request budget is spent, and record every outcome with its request id.
/// Bounded in count and time; loopback only.
/// </summary>
public sealed class LoadDriver
{
    public const string Body = """{"model":"gpt-4o-mini","max_tokens":16,"messages":[{"role":"user","content":"Tell me something short."}]}""";

    private readonly IReadOnlyList<string> _gateways;
    private readonly IReadOnlyList<string> _keys;
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { Timeout = TimeSpan.FromSeconds(60) };
    private int _issued;

    public LoadDriver(IReadOnlyList<string> gatewayUrls, IReadOnlyList<string> keys)
    {
        _gateways = gatewayUrls;
        _keys = keys;
    }

    public ConcurrentQueue<Outcome> Outcomes { get; } = new();

    /// <summary>How long a worker waits after a refused or failed request before its next one.</summary>
    public TimeSpan PauseAfterFailure { get; init; } = TimeSpan.Zero;

    /// <summary>One request: its status, request id, and when it started and completed (from the run's start).</summary>
    public sealed record Outcome(int Status, Guid? RequestId, string Gateway, string? Error, TimeSpan Started, TimeSpan At);

    /// <summary>Runs <paramref name="workers"/> loops until <paramref name="stop"/> fires or <paramref name="maxRequests"/> were sent.</summary>
    private readonly System.Diagnostics.Stopwatch _clock = new();

    /// <summary>Time since the run started, on the same clock as the outcomes.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    public async Task RunAsync(int workers, int maxRequests, CancellationToken stop)
    {
        System.Diagnostics.Stopwatch clock = _clock;
        clock.Start();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                int n = Interlocked.Increment(ref _issued);
                if (n > maxRequests)
                    return;
                string gateway = _gateways[n % _gateways.Count];
                TimeSpan started = clock.Elapsed;
                using var request = new HttpRequestMessage(HttpMethod.Post, gateway + "/v1/chat/completions")
                {
                    Content = new StringContent(Body, Encoding.UTF8, "application/json"),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _keys[n % _keys.Count]);
                try
                {
                    using HttpResponseMessage response = await _http.SendAsync(request, CancellationToken.None);
                    string body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                    Guid? id = response.Headers.TryGetValues("x-nemo-request-id", out var values) ? Guid.Parse(values.First()) : null;
                    Outcomes.Enqueue(new Outcome((int)response.StatusCode, id, gateway, response.IsSuccessStatusCode ? null : body, started, clock.Elapsed));
                    if (!response.IsSuccessStatusCode && PauseAfterFailure > TimeSpan.Zero)
                        await Task.Delay(PauseAfterFailure, CancellationToken.None);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                {
                    Outcomes.Enqueue(new Outcome(0, null, gateway, ex.Message, started, clock.Elapsed));
                }
            }
        }));
    }

    public IReadOnlyList<Outcome> Succeeded => Outcomes.Where(o => o.Status == 200).ToList();

    public string Failures(int max = 10) => string.Join("\n", Outcomes.Where(o => o.Status != 200).Take(max).Select(o => $"{o.At.TotalSeconds:F2}s {o.Gateway} {o.Status}: {o.Error}"));
}
