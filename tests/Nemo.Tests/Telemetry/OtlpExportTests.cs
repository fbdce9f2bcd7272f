using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Telemetry;

/// <summary>
/// With <c>Nemo:Telemetry:OtlpEndpoint</c> set, a node pushes its traces and metrics over OTLP: a loopback
/// receiver (OTLP/HTTP, protobuf) gets the request's span, carrying its request id, and Nemo's metrics.
/// </summary>
public sealed class OtlpExportTests : IAsyncLifetime
{
    private readonly TestDatabase _database = new();
    private readonly ConcurrentQueue<(string Path, string ContentType, byte[] Body)> _received = new();
    private WebApplication _receiver = null!;
    private NemoTestHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        await _database.InitializeAsync();
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = ["--urls", "http://127.0.0.1:0"] });
        builder.Logging.ClearProviders();
        _receiver = builder.Build();
        _receiver.MapPost("/v1/{signal}", async (HttpContext context, string signal) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            _received.Enqueue(("/v1/" + signal, context.Request.ContentType ?? "", body.ToArray()));
            return Results.Ok();
        });
        await _receiver.StartAsync();
        _host = await NemoTestHost.StartAsync(_database.ConnectionString, new Dictionary<string, string?>
        {
            ["Nemo:Telemetry:OtlpEndpoint"] = _receiver.Urls.First(),
            ["Nemo:Telemetry:OtlpProtocol"] = "http/protobuf",
            // OpenTelemetry's standard settings, read from configuration: export often, so the test is short.
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _receiver.StopAsync();
        await _receiver.DisposeAsync();
        await _database.DisposeAsync();
    }

    private bool Received(string path, string text) =>
        _received.Any(r => r.Path == path && Encoding.UTF8.GetString(r.Body).Contains(text, StringComparison.Ordinal));

    [Fact]
    public async Task TracesAndMetrics_ArePushedToTheOtlpEndpoint()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client, credits: 1m);
        using var client = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = new Uri(_host.GatewayUrl) };
        string requestId;
        using (HttpResponseMessage response = await client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions",
                   new { model = "gpt-4o-mini", max_tokens = 5, messages = new[] { new { role = "user", content = "otlp" } } })))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            requestId = response.Headers.GetValues("x-nemo-request-id").Single();
        }

        await Admin.Eventually.TrueAsync(() => Task.FromResult(Received("/v1/traces", requestId)), "the request's span reaches the OTLP endpoint",
            timeoutSeconds: 20, onTimeout: () => string.Join(", ", _received.Select(r => $"{r.Path} {r.Body.Length} bytes")));
        await Admin.Eventually.TrueAsync(() => Task.FromResult(Received("/v1/metrics", "nemo.gateway.requests")), "Nemo's metrics reach the OTLP endpoint",
            timeoutSeconds: 20, onTimeout: () => string.Join(", ", _received.Select(r => $"{r.Path} {r.Body.Length} bytes")));
        Assert.All(_received, r => Assert.Equal("application/x-protobuf", r.ContentType));
        Assert.True(Received("/v1/traces", "nemo.request_id"));
        Assert.True(Received("/v1/metrics", "nemo-gateway")); // the service name, on the resource
    }
}
