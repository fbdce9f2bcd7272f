using Microsoft.Extensions.Hosting;

namespace Nemo.Persistence.Database;

/// <summary>Applies migrations before anything else starts (registered first, started first).</summary>
internal sealed class DatabaseMigrationService(Migrator migrator, MigrationState state) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await migrator.MigrateAsync(cancellationToken);
        state.MarkMigrated();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
