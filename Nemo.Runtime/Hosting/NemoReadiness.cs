namespace Nemo.Runtime.Hosting;

/// <summary>What <c>/readyz</c> reports: the schema is migrated and, on a silo, the first lease round ran.</summary>
public sealed class NemoReadiness
{
    private volatile bool _migrated;
    private volatile bool _siloReady = true;

    public bool Migrated => _migrated;

    public bool SiloReady => _siloReady;

    public bool Ready => _migrated && _siloReady;

    internal void MarkMigrated() => _migrated = true;

    internal void ExpectSilo() => _siloReady = false;

    internal void MarkSiloReady() => _siloReady = true;
}
