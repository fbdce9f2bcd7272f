using System.Net;
using Nemo.FakeUpstream;
using Nemo.Grains.Spend;
using Nemo.Tests.Infrastructure;
using static Nemo.Tests.Gateway.ProxyProbe;

namespace Nemo.Tests.Gateway;

/// <summary>
/// The provider's first-byte and idle timeouts (2 s each here): a silent provider is ended promptly,
/// a slow but steady stream is never cut, and each ending bills only what the client received.
/// </summary>
public sealed class ProviderTimeoutTests(ShortTimeoutsFixture fixture) : IClassFixture<ShortTimeoutsFixture>
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NoFirstByte_Returns504_NothingCharged(bool stream)
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        Outcome outcome = await SendAsync(fixture, tenant, Chat(FakeMode.Hang, stream));
        Assert.Equal(HttpStatusCode.GatewayTimeout, outcome.Status);
        Assert.Equal("upstream_timeout", outcome.ErrorCode);
        Assert.Contains("first byte", outcome.Body);
        Assert.InRange(outcome.Elapsed, TimeSpan.Zero, Prompt);
        await AssertNothingChargedAsync(fixture, tenant, outcome);
    }

    [Fact]
    public async Task StreamStallingMidway_EndsAtTheIdleTimeout_ChargedForWhatWasDelivered()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        Outcome outcome = await SendAsync(fixture, tenant, Chat(FakeMode.Stall, stream: true, cutAfter: 3));
        Assert.Equal(HttpStatusCode.OK, outcome.Status);
        List<string> events = outcome.Events;
        Assert.Equal(5, events.Count); // role + 3 content chunks + the error event
        Assert.Contains("\"code\":\"upstream_timeout\"", events[^1]);
        Assert.InRange(outcome.Elapsed, TimeSpan.Zero, Prompt);
        UsageRow row = await AssertChargedAsync(fixture, tenant, outcome);
        Assert.Equal((int)(UsageFlags.Estimated | UsageFlags.StreamCut), row.Flags);
        Assert.Equal(outcome.DeliveredTokens, row.CompletionTokens);
        Assert.InRange(row.CompletionTokens, 3, 12);
    }

    [Fact]
    public async Task PlainResponseStallingMidBody_Returns504_NothingCharged()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        Outcome outcome = await SendAsync(fixture, tenant, Chat(FakeMode.Stall));
        Assert.Equal(HttpStatusCode.GatewayTimeout, outcome.Status);
        Assert.Equal("upstream_timeout", outcome.ErrorCode);
        Assert.InRange(outcome.Elapsed, TimeSpan.Zero, Prompt);
        await AssertNothingChargedAsync(fixture, tenant, outcome);
    }

    [Fact]
    public async Task ErrorBodyThatNeverEnds_IsAbandoned_WithinTheErrorBodyTime()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        Outcome outcome = await SendAsync(fixture, tenant, Chat(FakeMode.ErrorHang));
        Assert.Equal(HttpStatusCode.BadRequest, outcome.Status);
        Assert.Equal("upstream_error", outcome.ErrorCode);
        Assert.InRange(outcome.Elapsed, TimeSpan.Zero, Prompt);
        await AssertNothingChargedAsync(fixture, tenant, outcome);
    }

    [Fact]
    public async Task SlowSteadyStream_LongerThanEveryProviderTimeout_IsNotCut()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        // 12 events 500 ms apart: 6 s in all, three times the first-byte and idle timeouts.
        Outcome outcome = await SendAsync(fixture, tenant, Chat(FakeMode.Ok, stream: true, chunkDelayMs: 500, completionTokens: 10));
        Assert.Equal(HttpStatusCode.OK, outcome.Status);
        Assert.EndsWith("data: [DONE]\n\n", outcome.Body);
        Assert.True(outcome.Elapsed > TimeSpan.FromSeconds(4), $"the stream took {outcome.Elapsed}: the delays were not applied");
        UsageRow row = await AssertChargedAsync(fixture, tenant, outcome);
        Assert.Equal((5L, 10L, 0), (row.PromptTokens, row.CompletionTokens, row.Flags));
    }
}
