namespace Nemo.Persistence.Database;

/// <summary>Whether this process has applied the schema migrations (readiness waits for it).</summary>
public sealed class MigrationState
{
    private volatile bool _migrated;

    public bool Migrated => _migrated;

    internal void MarkMigrated() => _migrated = true;
}
