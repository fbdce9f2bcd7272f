namespace Nemo.Grains.Storage;

/// <summary>
/// A grain's persistent state, Orleans-style. Writes are guarded by an ETag (a concurrent writer makes
/// the write fail) and by the partition's lease epoch (a silo whose lease was taken over can't write).
/// </summary>
public interface IPersistentState<TState> where TState : class, new()
{
    TState State { get; set; }

    long ETag { get; }

    bool RecordExists { get; }

    Task ReadAsync(CancellationToken cancellationToken);

    /// <summary>Throws <see cref="StateConflictException"/> when the ETag or the epoch is stale.</summary>
    Task WriteAsync(CancellationToken cancellationToken);
}
