namespace Nemo.Cluster.Calls;

/// <summary>No activation of the organization's grain answered within the call deadline (silos down, failing over, or PostgreSQL unreachable).</summary>
public sealed class ClusterUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
