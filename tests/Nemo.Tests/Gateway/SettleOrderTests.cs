using System.Net;
using Nemo.Tests.Infrastructure;
using Npgsql;

namespace Nemo.Tests.Gateway;

/// <summary>
/// The response is complete only after its usage is durable: with the ledger stalled (a test
/// connection holds an EXCLUSIVE lock on nemo.usage_events, so the settle's insert waits), a stream's
/// content flows but its [DONE] does not, and a plain response's body does not; both arrive once the
/// lock goes, and the ledger row exists by then. Fails if either is sent before the settle.
/// </summary>
public sealed class SettleOrderTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task StreamDone_IsSentOnlyAfterTheSettleIsDurable()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        await using NpgsqlConnection locker = await LockLedgerAsync();
        using HttpRequestMessage request = tenant.Request(HttpMethod.Post, "/v1/chat/completions",
            new { model = "gpt-4o-mini", stream = true, messages = new[] { new { role = "user", content = "hello" } } });
        using HttpResponseMessage response = await fixture.Host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Guid requestId = Guid.Parse(response.Headers.GetValues("x-nemo-request-id").Single());
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var timeout = new CancellationTokenSource(Bound);

        // The content arrives while the ledger is stalled …
        string received = "";
        while (!received.Contains("\"finish_reason\":\"stop\""))
            received += await reader.ReadLineAsync(timeout.Token) + "\n";
        // … and the settle is then waiting on the lock.
        await WaitForBlockedInsertAsync(timeout.Token);
        Task<string> rest = reader.ReadToEndAsync(timeout.Token);
        await Task.WhenAny(rest, Task.Delay(TimeSpan.FromMilliseconds(500), timeout.Token)); // a [DONE] already sent would arrive now
        Assert.False(rest.IsCompleted, "the stream ended while its usage was not yet durable");
        Assert.Equal(0L, await CountAsync(requestId));

        await locker.DisposeAsync(); // releases the lock: the settle commits
        string tail = await rest;
        Assert.EndsWith("data: [DONE]\n\n", tail);
        Assert.Equal(1L, await CountAsync(requestId));
    }

    [Fact]
    public async Task PlainResponse_IsSentOnlyAfterTheSettleIsDurable()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        await using NpgsqlConnection locker = await LockLedgerAsync();
        using HttpRequestMessage request = tenant.Request(HttpMethod.Post, "/v1/chat/completions",
            new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "hello" } } });
        using var timeout = new CancellationTokenSource(Bound);
        Task<HttpResponseMessage> sent = fixture.Host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);

        await WaitForBlockedInsertAsync(timeout.Token);
        await Task.WhenAny(sent, Task.Delay(TimeSpan.FromMilliseconds(500), timeout.Token));
        Assert.False(sent.IsCompleted, "the response was sent while its usage was not yet durable");

        await locker.DisposeAsync();
        using HttpResponseMessage response = await sent;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Guid requestId = Guid.Parse(response.Headers.GetValues("x-nemo-request-id").Single());
        Assert.Equal(1L, await CountAsync(requestId));
        Assert.Contains("\"choices\"", await response.Content.ReadAsStringAsync());
    }

    private Task<NpgsqlConnection> LockLedgerAsync() => LedgerStall.LockAsync(fixture.Database);

    private Task WaitForBlockedInsertAsync(CancellationToken cancellationToken) => LedgerStall.WaitForBlockedInsertAsync(fixture.Database, cancellationToken);

    private Task<long> CountAsync(Guid requestId) => LedgerStall.CountAsync(fixture.Database, requestId);
}
