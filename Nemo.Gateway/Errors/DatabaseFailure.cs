using Npgsql;

namespace Nemo.Gateway.Errors;

/// <summary>Tells an unreachable database (answered 503, retry) from a statement the server refused (a bug to surface).</summary>
internal static class DatabaseFailure
{
    /// <summary>
    /// Npgsql's connection, I/O and timeout failures (and a pool exhausted while the server doesn't answer);
    /// not a statement the server refused. A cancelled request (<paramref name="requestAborted"/>) isn't one.
    /// </summary>
    public static bool IsUnreachable(Exception ex, CancellationToken requestAborted) => ex switch
    {
        PostgresException { IsTransient: false } => false,
        NpgsqlException => true,
        TimeoutException => true,
        OperationCanceledException when !requestAborted.IsCancellationRequested && ex.InnerException is NpgsqlException or TimeoutException => true,
        _ => false,
    };
}
