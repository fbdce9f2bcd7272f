using Nemo.Persistence.Database;
using Npgsql;

namespace Nemo.Gateway.Admin.Storage;

/// <summary>
/// Opens the admin API's transactions. <see cref="TenantAsync"/> is the default: the transaction runs as
/// the role <c>nemo_app</c> (no BYPASSRLS) with <c>nemo.organization_id</c> set, so row-level security
/// confines every statement to that organization whatever the SQL says. <see cref="ServiceAsync"/>
/// keeps the service connection's rights and exists only for the few operations that have no
/// organization yet or act across organizations: authenticating a key by its hash, signup, accepting
/// or declining an invitation by its token, the operator's routes and the background jobs.
/// </summary>
internal sealed class AdminDatabase(NemoDatabase database)
{
    public const string AppRole = "nemo_app";

    public async Task<AdminSession> TenantAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var scope = new NpgsqlCommand(
                $"SET LOCAL ROLE {AppRole}; SELECT set_config('nemo.organization_id', @org, true)", connection, transaction))
            {
                scope.Parameters.AddWithValue("org", organizationId.ToString());
                await scope.ExecuteNonQueryAsync(cancellationToken);
            }
            return new AdminSession(connection, transaction, organizationId);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>A transaction on the service connection (bypasses row-level security): keep its uses narrow.</summary>
    public async Task<AdminSession> ServiceAsync(CancellationToken cancellationToken)
    {
        NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
            return new AdminSession(connection, transaction, null);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
