using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Nemo.Tests.Infrastructure;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Nemo.Tests.Telemetry;

/// <summary>A Nemo whose tracer also exports to memory (on top of the product's own OpenTelemetry wiring).</summary>
public sealed class TracedHostFixture : NemoHostFixture
{
    public ConcurrentQueue<Activity> Spans { get; } = new();

    /// <summary>No OTLP endpoint here, so recording is asked for explicitly (its default is then 0).</summary>
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Nemo:Telemetry:TraceSampleRatio"] = "1" };

    protected override void ConfigureServices(IServiceCollection services) =>
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(new SimpleActivityExportProcessor(new QueueExporter(Spans))));

    /// <summary>The in-memory exporter's idea, on a concurrent queue: tests read while the host still exports.</summary>
    private sealed class QueueExporter(ConcurrentQueue<Activity> spans) : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch)
        {
            foreach (Activity activity in batch)
                spans.Enqueue(activity);
            return ExportResult.Success;
        }
    }
}

/// <summary>
/// One trace per request: the gateway's server span → the authorize grain call → the upstream call (its
/// W3C traceparent reaches the provider, whose server span joins the trace) → the settle grain call, all
/// under the request's span, which carries Nemo's request id. Plain and streamed.
/// </summary>
public sealed class TraceTests(TracedHostFixture fixture) : IClassFixture<TracedHostFixture>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ChatRequest_IsOneTrace_GatewayThenAuthorizeThenUpstreamThenSettle(bool stream)
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 10m);
        object body = new { model = "gpt-4o-mini", max_tokens = 8, stream, messages = new[] { new { role = "user", content = "trace me" } } };
        // The test's own HttpClient runs in the gateway's process, under its tracer: it would send an
        // unsampled traceparent of its own, which Nemo honours (parent-based sampling) by recording nothing.
        // An outside client sends none, as here.
        using var client = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = new Uri(fixture.Host.GatewayUrl) };
        string requestId;
        using (HttpResponseMessage response = await client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions", body)))
        {
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, text);
            requestId = response.Headers.GetValues("x-nemo-request-id").Single();
        }

        Activity root = null!;
        await Admin.Eventually.TrueAsync(() =>
        {
            root = fixture.Spans.FirstOrDefault(s => s.GetTagItem("nemo.request_id") as string == requestId)!;
            return Task.FromResult(root is not null);
        }, "the request's server span is exported", onTimeout: () => $"{fixture.Spans.Count} spans: "
            + string.Join(" | ", fixture.Spans.Take(30).Select(a => $"{a.Source.Name}/{a.Kind}/{a.DisplayName}[{string.Join(",", a.TagObjects.Select(t => t.Key))}]")));
        Assert.Equal(ActivityKind.Server, root.Kind);
        Assert.Equal("Microsoft.AspNetCore", root.Source.Name);
        Assert.Equal(tenant.OrganizationId.ToString(), root.GetTagItem("nemo.organization_id"));
        Assert.Equal(default, root.ParentSpanId);

        Activity[] trace = [];
        Activity? authorize = null, settle = null, upstream = null, provider = null;
        await Admin.Eventually.TrueAsync(() =>
        {
            trace = fixture.Spans.Where(s => s.TraceId == root.TraceId).ToArray();
            authorize = trace.FirstOrDefault(s => s.Source.Name == "Microsoft.Orleans.Application" && s.Kind == ActivityKind.Client && s.DisplayName.EndsWith("/Authorize", StringComparison.Ordinal));
            settle = trace.FirstOrDefault(s => s.Source.Name == "Microsoft.Orleans.Application" && s.Kind == ActivityKind.Client && s.DisplayName.EndsWith("/Settle", StringComparison.Ordinal));
            upstream = trace.FirstOrDefault(s => s.Source.Name == "System.Net.Http" && s.Kind == ActivityKind.Client);
            provider = upstream is null ? null : trace.FirstOrDefault(s => s.Kind == ActivityKind.Server && s.ParentSpanId == upstream.SpanId);
            return Task.FromResult(authorize is not null && settle is not null && upstream is not null && provider is not null);
        }, "the authorize, upstream, provider and settle spans are exported", timeoutSeconds: 15);
        string tree = Tree(trace, root);
        TestContext.Current.TestOutputHelper!.WriteLine(tree);

        // Each stage descends from the request's span, in the request path's order.
        Assert.All([authorize!, upstream!, settle!], span => Assert.True(DescendsFrom(span, root, trace), $"{span.DisplayName} is not under the request's span:\n{tree}"));
        Assert.True(authorize!.StartTimeUtc + authorize.Duration <= upstream!.StartTimeUtc, tree);
        Assert.True(upstream.StartTimeUtc <= settle!.StartTimeUtc, tree);
        Assert.True(settle.StartTimeUtc + settle.Duration <= root.StartTimeUtc + root.Duration, tree);
        // The grain side of each call joined the trace too (Orleans' activity propagation).
        Assert.Contains(trace, s => s.Kind == ActivityKind.Server && s.ParentSpanId == authorize.SpanId);
        Assert.Contains(trace, s => s.Kind == ActivityKind.Server && s.ParentSpanId == settle.SpanId);
        // The provider received the W3C traceparent: its server span's parent is Nemo's upstream call.
        Assert.Equal(upstream.SpanId, provider!.ParentSpanId);
        Assert.Contains("/v1/chat/completions", provider.GetTagItem("url.path") as string ?? provider.DisplayName);
    }

    private static bool DescendsFrom(Activity span, Activity ancestor, Activity[] trace)
    {
        var bySpan = trace.ToDictionary(s => s.SpanId);
        for (Activity? current = span; current is not null; current = bySpan.GetValueOrDefault(current.ParentSpanId))
            if (current.SpanId == ancestor.SpanId)
                return true;
        return false;
    }

    private static string Tree(Activity[] trace, Activity root)
    {
        var lines = new System.Text.StringBuilder();
        void Write(Activity span, int depth)
        {
            lines.AppendLine($"{new string(' ', depth * 2)}{span.Kind} {span.Source.Name}: {span.DisplayName} ({span.Duration.TotalMilliseconds:0.0} ms)");
            foreach (Activity child in trace.Where(s => s.ParentSpanId == span.SpanId).OrderBy(s => s.StartTimeUtc))
                Write(child, depth + 1);
        }
        Write(root, 0);
        return lines.ToString();
    }
}
