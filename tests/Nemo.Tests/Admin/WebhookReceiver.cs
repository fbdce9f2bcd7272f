using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Nemo.Tests.Admin;

/// <summary>
/// A real HTTP endpoint on loopback that records webhook deliveries per path, and can answer 500 to the
/// first N deliveries of a path (to exercise retries).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public sealed record Delivery(IReadOnlyDictionary<string, string> Headers, byte[] Body);

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Channel<Delivery>> _deliveries = new();
    private readonly ConcurrentDictionary<string, int> _failuresLeft = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public string Url => _app.Urls.First();

    public static async Task<WebhookReceiver> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = ["--urls", "http://127.0.0.1:0"] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        WebApplication app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hooks/{name}", receiver.ReceiveAsync);
        await app.StartAsync();
        return receiver;
    }

    /// <summary>A fresh endpoint URL; its first <paramref name="failFirst"/> deliveries get 500.</summary>
    public string Endpoint(string name, int failFirst = 0)
    {
        _deliveries[name] = Channel.CreateUnbounded<Delivery>();
        _failuresLeft[name] = failFirst;
        return $"{Url}/hooks/{name}";
    }

    private async Task<IResult> ReceiveAsync(HttpContext context, string name)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        if (_deliveries.TryGetValue(name, out Channel<Delivery>? channel))
            channel.Writer.TryWrite(new Delivery(headers, body.ToArray()));
        bool fail = _failuresLeft.AddOrUpdate(name, 0, (_, left) => left - 1) >= 0;
        return fail ? Results.StatusCode(StatusCodes.Status500InternalServerError) : Results.Ok();
    }

    public async Task<Delivery> NextAsync(string name, double timeoutSeconds = 15)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        return await _deliveries[name].Reader.ReadAsync(timeout.Token);
    }

    /// <summary>A delivery already received on this endpoint, if any (does not wait).</summary>
    public bool TryTake(string name, out Delivery? delivery) => _deliveries[name].Reader.TryRead(out delivery);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
