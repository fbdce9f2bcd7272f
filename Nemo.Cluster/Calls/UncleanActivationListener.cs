using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nemo.Persistence.Database;
using Nemo.Persistence.Fencing;
using Npgsql;

namespace Nemo.Cluster.Calls;

/// <summary>
/// LISTENs for organizations whose grain re-activated after an unclean end (the payload is the
/// organization id; sent in the same transaction that takes the new epoch) and has
/// <see cref="OrganizationCalls"/> re-present this node's in-flight admissions there, within the new
/// activation's recovery window. After any (re)connect it re-presents everything in flight, since a
/// notice sent while disconnected is lost; re-presenting is idempotent.
/// </summary>
internal sealed partial class UncleanActivationListener(NemoDatabase database, OrganizationCalls calls, TimeProvider time, ILogger<UncleanActivationListener> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync(stoppingToken);
                var notices = System.Threading.Channels.Channel.CreateUnbounded<string>();
                connection.Notification += (_, e) => notices.Writer.TryWrite(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {PostgresActivationFence.ActivationChannel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                foreach (Guid organizationId in calls.OrganizationsInFlight())
                    _ = calls.ReassertAsync(organizationId);
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                    while (notices.Reader.TryRead(out string? payload))
                    {
                        if (Guid.TryParse(payload, out Guid organizationId))
                            _ = calls.ReassertAsync(organizationId); // each organization on its own: one slow one delays no other
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogListenFailed(ex);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "Listening for unclean activations failed; reconnecting")]
    private partial void LogListenFailed(Exception exception);
}
