namespace Nemo.Cluster.Calls;

/// <summary>The activation answered "fenced": a newer one exists or it could not confirm its epoch. Retried.</summary>
internal sealed class FencedException() : Exception("The organization's activation was fenced.");
