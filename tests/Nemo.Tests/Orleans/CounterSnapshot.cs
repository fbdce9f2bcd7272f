using Orleans;

namespace Nemo.Tests.Orleans;

/// <summary>What a <see cref="ICounterGrain"/> activation holds: its value, the storage ETag, whether a stored
/// record exists, and which activation answered (a new one after deactivation).</summary>
[GenerateSerializer, Immutable]
public sealed record CounterSnapshot(
    [property: Id(0)] int Value,
    [property: Id(1)] string? ETag,
    [property: Id(2)] bool RecordExists,
    [property: Id(3)] Guid Activation);
