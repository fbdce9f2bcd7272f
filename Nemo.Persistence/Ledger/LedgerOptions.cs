using System.ComponentModel.DataAnnotations;

namespace Nemo.Persistence.Ledger;

/// <summary>Group-commit settings of the usage ledger, bound from <c>Nemo:Ledger</c>.</summary>
public sealed class LedgerOptions
{
    /// <summary>Most usage events written in one statement (default 512).</summary>
    [Range(1, 10_000)]
    public int MaxBatch { get; set; } = 512;

    /// <summary>Batches in flight at once (default 2): while one commits, the next one fills.</summary>
    [Range(1, 64)]
    public int Writers { get; set; } = 2;
}
