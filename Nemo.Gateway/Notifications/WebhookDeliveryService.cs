using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Telemetry;
using Nemo.Persistence.Database;
using Npgsql;

namespace Nemo.Gateway.Notifications;

/// <summary>
/// Delivers <c>nemo.notifications</c> (written by budget grains when a soft threshold is crossed) to each
/// organization's webhook URL: a signed JSON POST (<see cref="WebhookSignature"/>), retried with
/// exponential backoff until a 2xx answer or MaxAttempts. Claims are leases on next_attempt_at taken with
/// SKIP LOCKED, so gateways share the work; a receiver should de-duplicate on <c>x-nemo-delivery</c>
/// (a claim whose result couldn't be recorded is retried). Targets are restricted by <see cref="WebhookTargets"/>
/// (https, public addresses, unless the operator lists the host); redirects are not followed. Notifications of organizations without a
/// webhook URL are marked failed ("no webhook URL configured") rather than kept forever.
/// </summary>
internal sealed partial class WebhookDeliveryService(NemoDatabase database, TimeProvider time, IOptions<WebhookOptions> options,
    WebhookTargets targets, IHttpClientFactory clients, NemoMetrics metrics, ILogger<WebhookDeliveryService> logger) : BackgroundService
{
    /// <summary>The IHttpClientFactory client deliveries use (registered by <see cref="AddClient"/>).</summary>
    public const string ClientName = "webhooks";

    private const string Outbox = "webhook";

    private const int BatchSize = 50;

    private readonly HttpClient _http = clients.CreateClient(ClientName);

    /// <summary>
    /// The delivery client. The timeout is applied per delivery (not here), so constructing the service
    /// never reads options before start-up validation has reported every invalid setting at once.
    /// Redirects are never followed, and every connection goes through the target check on the resolved address.
    /// </summary>
    public static void AddClient(IServiceCollection services) =>
        services.AddHttpClient(ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                UseProxy = false,
                ConnectCallback = sp.GetRequiredService<WebhookTargets>().ConnectAsync,
            });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        do
        {
            try
            {
                while (await RunOnceAsync(stoppingToken) == BatchSize)
                {
                }
                metrics.OutboxBacklog(Outbox, await BacklogAsync(stoppingToken));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Undelivered, not given up: the outbox's backlog, for the <c>nemo.outbox.backlog</c> gauge (one count per poll).</summary>
    private async Task<long> BacklogAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlCommand count = database.DataSource.CreateCommand("SELECT count(*) FROM nemo.notifications WHERE delivered_at IS NULL AND failed_at IS NULL");
        return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Delivers what is due now; returns how many notifications were claimed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        var claimed = new List<PendingNotification>();
        await using (NpgsqlCommand claim = database.DataSource.CreateCommand(
            """
            WITH due AS (
                SELECT id FROM nemo.notifications WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= @now
                ORDER BY id LIMIT @batch FOR UPDATE SKIP LOCKED
            )
            UPDATE nemo.notifications n SET attempts = n.attempts + 1, next_attempt_at = @lease
            FROM due WHERE n.id = due.id
            RETURNING n.id, n.organization_id, n.kind, n.payload::text, n.attempts, n.created_at,
                (SELECT o.webhook_url FROM nemo.organizations o WHERE o.id = n.organization_id AND o.status = 'active'),
                (SELECT o.webhook_secret FROM nemo.organizations o WHERE o.id = n.organization_id AND o.status = 'active')
            """))
        {
            claim.Parameters.AddWithValue("now", now);
            claim.Parameters.AddWithValue("lease", now + options.Value.Timeout + TimeSpan.FromSeconds(30));
            claim.Parameters.AddWithValue("batch", BatchSize);
            await using NpgsqlDataReader reader = await claim.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                claimed.Add(new PendingNotification(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4),
                    reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }
        foreach (PendingNotification notification in claimed)
            await RecordAsync(notification, await DeliverAsync(notification, cancellationToken), cancellationToken);
        return claimed.Count;
    }

    private async Task<string?> DeliverAsync(PendingNotification notification, CancellationToken cancellationToken)
    {
        if (notification.WebhookUrl is null || notification.WebhookSecret is null)
            return "no webhook URL configured";
        if (targets.UrlProblem(notification.WebhookUrl) is { } problem)
            return "refused: " + problem; // saved before the current rules or allow-list
        byte[] body = Body(notification);
        using var request = new HttpRequestMessage(HttpMethod.Post, notification.WebhookUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(WebhookSignature.Header, WebhookSignature.Sign(notification.WebhookSecret, time.GetUtcNow().ToUnixTimeSeconds(), body));
        request.Headers.TryAddWithoutValidation("x-nemo-event", notification.Kind);
        request.Headers.TryAddWithoutValidation("x-nemo-delivery", $"ntf_{notification.Id}");
        request.Headers.TryAddWithoutValidation("x-nemo-attempt", notification.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.UserAgent.ParseAdd("Nemo-Webhooks/1");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Timeout);
        try
        {
            using HttpResponseMessage response = await _http.SendAsync(request, timeout.Token);
            return response.IsSuccessStatusCode ? null : $"the endpoint answered {(int)response.StatusCode}";
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return ex is OperationCanceledException ? $"no answer within {options.Value.Timeout.TotalSeconds:0.#} s (Nemo:Webhooks:Timeout)" : ex.Message;
        }
    }

    /// <summary><c>{"id","type","created_at","organization_id","data"}</c>: the envelope around the grain's payload.</summary>
    private static byte[] Body(PendingNotification n)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", $"ntf_{n.Id}");
            writer.WriteString("type", n.Kind);
            writer.WriteString("created_at", n.CreatedAt);
            writer.WriteString("organization_id", n.OrganizationId);
            writer.WritePropertyName("data");
            using (JsonDocument payload = JsonDocument.Parse(n.Payload))
                payload.RootElement.WriteTo(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private async Task RecordAsync(PendingNotification notification, string? failure, CancellationToken cancellationToken)
    {
        WebhookOptions o = options.Value;
        DateTimeOffset now = time.GetUtcNow();
        bool giveUp = failure is not null && (notification.Attempt >= o.MaxAttempts || notification.WebhookUrl is null);
        await using NpgsqlCommand record = database.DataSource.CreateCommand(
            failure is null
                ? "UPDATE nemo.notifications SET delivered_at = @now, last_error = NULL WHERE id = @id"
                : giveUp
                    ? "UPDATE nemo.notifications SET failed_at = @now, last_error = @error WHERE id = @id"
                    : "UPDATE nemo.notifications SET next_attempt_at = @next, last_error = @error WHERE id = @id");
        record.Parameters.AddWithValue("id", notification.Id);
        record.Parameters.AddWithValue("now", now);
        record.Parameters.AddWithValue("error", (object?)failure ?? DBNull.Value);
        long delay = Math.Min(o.RetryMaxDelay.Ticks, o.RetryBaseDelay.Ticks * (1L << Math.Clamp(notification.Attempt - 1, 0, 20)));
        record.Parameters.AddWithValue("next", now + TimeSpan.FromTicks(delay));
        await record.ExecuteNonQueryAsync(cancellationToken);
        if (failure is null)
            LogDelivered(notification.Id, notification.OrganizationId, notification.Attempt);
        else if (giveUp)
            LogGaveUp(notification.Id, notification.OrganizationId, notification.Attempt, failure);
        else
            LogRetrying(notification.Id, notification.OrganizationId, notification.Attempt, failure);
    }

    [LoggerMessage(EventId = 7201, Level = LogLevel.Debug, Message = "Delivered notification {Id} of organization {OrganizationId} (attempt {Attempt})")]
    private partial void LogDelivered(long id, Guid organizationId, int attempt);

    [LoggerMessage(EventId = 7202, Level = LogLevel.Warning, Message = "Webhook delivery of notification {Id} of organization {OrganizationId} failed (attempt {Attempt}): {Reason}; retrying")]
    private partial void LogRetrying(long id, Guid organizationId, int attempt, string reason);

    [LoggerMessage(EventId = 7203, Level = LogLevel.Warning, Message = "Gave up delivering notification {Id} of organization {OrganizationId} after {Attempts} attempts: {Reason}")]
    private partial void LogGaveUp(long id, Guid organizationId, int attempts, string reason);

    [LoggerMessage(EventId = 7204, Level = LogLevel.Warning, Message = "The notification outbox could not be processed; retrying at the next poll")]
    private partial void LogFailed(Exception exception);
}
