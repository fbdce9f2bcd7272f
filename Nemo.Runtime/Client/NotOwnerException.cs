namespace Nemo.Runtime.Client;

/// <summary>Internal signal inside the retry pipeline: the silo called does not own the partition.</summary>
internal sealed class NotOwnerException(int partition) : Exception($"Partition {partition} is not owned by the silo called.");
