namespace Nemo.Grains.Diagnostics;

/// <summary>
/// The names Nemo's own telemetry is published under (System.Diagnostics.Metrics and ActivitySource).
/// Every layer creates its instruments on the one meter <see cref="MeterName"/> through IMeterFactory,
/// which hands every caller the same Meter; Nemo.ServiceDefaults exports it.
/// </summary>
public static class NemoInstrumentation
{
    /// <summary>The meter every Nemo instrument belongs to.</summary>
    public const string MeterName = "Nemo";

    /// <summary>The activity source of Nemo's own spans (the ledger commit, the request's stages).</summary>
    public const string ActivitySourceName = "Nemo";
}
