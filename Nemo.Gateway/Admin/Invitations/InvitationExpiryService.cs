using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Nemo.Gateway.Admin.Invitations;

/// <summary>
/// Marks pending invitations past their expiry as expired, each with an audit entry, every
/// Nemo:Admin:InvitationSweepInterval. Safe on many gateways at once: a row moves from pending to expired
/// once (the UPDATE re-checks the status under its row lock), so each expiry is audited once.
/// </summary>
internal sealed partial class InvitationExpiryService(InvitationStore store, TimeProvider time, IOptions<AdminOptions> options,
    ILogger<InvitationExpiryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.InvitationSweepInterval, time);
        do
        {
            try
            {
                int expired = await store.ExpireDueAsync(stoppingToken);
                if (expired > 0)
                    LogExpired(expired);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(EventId = 7401, Level = LogLevel.Information, Message = "Marked {Count} invitations expired")]
    private partial void LogExpired(int count);

    [LoggerMessage(EventId = 7402, Level = LogLevel.Warning, Message = "Expiring invitations failed; retrying at the next sweep")]
    private partial void LogFailed(Exception exception);
}
