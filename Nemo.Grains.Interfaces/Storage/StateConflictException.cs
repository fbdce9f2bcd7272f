namespace Nemo.Grains.Storage;

/// <summary>A state write lost to a concurrent writer or to a newer lease epoch (fencing).</summary>
public sealed class StateConflictException(string message) : Exception(message);
