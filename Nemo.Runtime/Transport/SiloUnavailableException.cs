namespace Nemo.Runtime.Transport;

/// <summary>A silo could not be reached or answered with an error; the caller refreshes routing and retries.</summary>
public sealed class SiloUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
