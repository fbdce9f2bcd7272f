using Nemo.Grains.Spend;
using Nemo.Persistence.Database;
using Npgsql;

namespace Nemo.Persistence.Fencing;

/// <summary>
/// A gateway's side of crash recovery: writes the admissions it holds for an organization under the
/// new activation's epoch, for that activation to hold before it admits anything new. Idempotent.
/// </summary>
public sealed class ReassertionWriter(NemoDatabase database)
{
    public async Task WriteAsync(Guid organizationId, long epoch, IReadOnlyList<AuthorizeRequest> admissions, CancellationToken cancellationToken)
    {
        if (admissions.Count == 0)
            return;
        await using NpgsqlCommand command = database.DataSource.CreateCommand(
            """
            INSERT INTO nemo.reasserted_reservations (organization_id, epoch, request_id, team_id, key_id, customer_id, cost, tokens)
            SELECT @org, @epoch, r, t, k, c, x, n FROM unnest(@requests, @teams, @keys, @customers, @costs, @tokens) AS u(r, t, k, c, x, n)
            ON CONFLICT DO NOTHING
            """);
        command.Parameters.AddWithValue("org", organizationId);
        command.Parameters.AddWithValue("epoch", epoch);
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("requests", [.. admissions.Select(a => a.RequestId)]));
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("teams", [.. admissions.Select(a => a.TeamId)]));
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("keys", [.. admissions.Select(a => a.KeyId)]));
        command.Parameters.Add(new NpgsqlParameter<string?[]>("customers", [.. admissions.Select(a => a.CustomerId)]));
        command.Parameters.Add(new NpgsqlParameter<long[]>("costs", [.. admissions.Select(a => a.CostUpperBound)]));
        command.Parameters.Add(new NpgsqlParameter<long[]>("tokens", [.. admissions.Select(a => a.TokenEstimate)]));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The current activation epoch of each of these organizations (those that have one).</summary>
    public async Task<IReadOnlyList<(Guid OrganizationId, long Epoch)>> CurrentEpochsAsync(IReadOnlyCollection<Guid> organizations, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = database.DataSource.CreateCommand(
            "SELECT organization_id, epoch FROM nemo.organization_activations WHERE organization_id = ANY(@orgs)");
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("orgs", [.. organizations]));
        var epochs = new List<(Guid, long)>();
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            epochs.Add((reader.GetGuid(0), reader.GetInt64(1)));
        return epochs;
    }
}
