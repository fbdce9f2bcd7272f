using System.Text.Json;
using Nemo.Grains.Money;
using Nemo.Grains.Storage;
using Nemo.Grains.Tenancy;
using Nemo.Persistence.Database;
using NpgsqlTypes;

namespace Nemo.Persistence.Notifications;

/// <summary>
/// Writes soft-threshold notifications to the <c>nemo.notifications</c> outbox, once per
/// (budget, period, threshold) thanks to a unique dedupe key; a delivery worker sends them on.
/// </summary>
internal sealed class BudgetNotificationOutbox(NemoDatabase database) : IBudgetNotifications
{
    public async Task EnqueueThresholdCrossedAsync(Guid organizationId, BudgetScope scope, int thresholdPercent, DateOnly periodStart,
        long spentNanos, long limitNanos, CancellationToken cancellationToken)
    {
        string payload = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["type"] = "budget.threshold_crossed",
            ["organization_id"] = organizationId,
            ["scope"] = BudgetScope.KindName(scope.Kind),
            ["scope_id"] = scope.Id,
            ["threshold_percent"] = thresholdPercent,
            ["period_start"] = periodStart.ToString("yyyy-MM-dd"),
            ["spent"] = Usd.FromNanos(spentNanos),
            ["limit"] = Usd.FromNanos(limitNanos),
        });
        await using var command = database.DataSource.CreateCommand(
            """
            INSERT INTO nemo.notifications (organization_id, kind, dedupe_key, payload)
            VALUES (@org, 'budget.threshold_crossed', @dedupe, @payload)
            ON CONFLICT (dedupe_key) DO NOTHING
            """);
        command.Parameters.AddWithValue("org", organizationId);
        command.Parameters.AddWithValue("dedupe", $"budget:{organizationId:N}:{scope}:{periodStart:yyyy-MM-dd}:{thresholdPercent}");
        command.Parameters.Add(new Npgsql.NpgsqlParameter("payload", NpgsqlDbType.Jsonb) { Value = payload });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
