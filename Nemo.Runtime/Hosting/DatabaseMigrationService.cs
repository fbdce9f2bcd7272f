using Microsoft.Extensions.Hosting;
using Nemo.Runtime.Storage;

namespace Nemo.Runtime.Hosting;

/// <summary>Applies migrations before anything else starts (registered first, started first).</summary>
internal sealed class DatabaseMigrationService(Migrator migrator, NemoReadiness readiness) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await migrator.MigrateAsync(cancellationToken);
        readiness.MarkMigrated();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
