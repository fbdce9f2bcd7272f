using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Nemo.Grains.Storage;
using Nemo.Persistence.Database;
using Nemo.Persistence.Fencing;
using Nemo.Persistence.Ledger;
using Nemo.Persistence.Notifications;
using Nemo.Persistence.Spend;

namespace Nemo.Persistence;

public static class PersistenceServiceCollectionExtensions
{
    /// <summary>
    /// The database (ConnectionStrings:Nemo) and its migrations, applied by a hosted service that must be
    /// registered before anything that reads the schema (Orleans' providers included).
    /// </summary>
    public static IServiceCollection AddNemoDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => new NemoDatabase(ConnectionString(configuration)));
        services.TryAddSingleton<MigrationState>();
        services.TryAddSingleton<Migrator>();
        services.AddHostedService<DatabaseMigrationService>();
        return services;
    }

    /// <summary>What grains need on a silo: the spend store, the group-commit ledger, the activation fence, the notification outbox.</summary>
    public static IServiceCollection AddNemoGrainStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LedgerOptions>().BindConfiguration("Nemo:Ledger").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<LedgerOptions>>().Value);
        services.AddSingleton<ISpendStore, PostgresSpendStore>();
        services.AddSingleton<LedgerHealth>();
        services.AddSingleton<GroupCommitLedger>();
        services.AddSingleton<IUsageLedger>(sp => sp.GetRequiredService<GroupCommitLedger>());
        services.AddSingleton<IActivationFence, PostgresActivationFence>();
        services.AddSingleton<IBudgetNotifications, BudgetNotificationOutbox>();
        return services;
    }

    /// <summary>The PostgreSQL connection string, or a start-up error that says how to set it.</summary>
    public static string ConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString("Nemo")
        ?? throw new InvalidOperationException("ConnectionStrings:Nemo is not set; set ConnectionStrings__Nemo to the PostgreSQL connection string (e.g. Host=127.0.0.1;Port=5432;Username=nemo;Password=…;Database=nemo).");
}
