using System.Text.Json;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Keys;
using Npgsql;
using NpgsqlTypes;

namespace Nemo.Gateway.Admin.Storage;

/// <summary>
/// One admin transaction: every mutation's rows and its audit entry commit together or not at all.
/// Disposing without <see cref="CommitAsync"/> rolls back. Parameters are (name, value) pairs; null
/// becomes SQL NULL and an <see cref="NpgsqlParameter"/> is passed as it is (for jsonb and arrays).
/// </summary>
internal sealed class AdminSession(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid? organizationId) : IAsyncDisposable
{
    private bool _committed;

    /// <summary>The organization row-level security confines this session to; null on the service connection.</summary>
    public Guid? OrganizationId => organizationId;

    public NpgsqlCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach ((string name, object? value) in parameters)
        {
            if (value is NpgsqlParameter parameter)
            {
                parameter.ParameterName = name;
                command.Parameters.Add(parameter);
            }
            else
            {
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }
        }
        return command;
    }

    public async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using NpgsqlCommand command = Command(sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<T?> ScalarAsync<T>(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using NpgsqlCommand command = Command(sql, parameters);
        object? value = await command.ExecuteScalarAsync(cancellationToken);
        return value is null or DBNull ? default : (T)value;
    }

    public async Task<List<T>> ListAsync<T>(string sql, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using NpgsqlCommand command = Command(sql, parameters);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
            rows.Add(read(reader));
        return rows;
    }

    public async Task<T?> SingleAsync<T>(string sql, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
        where T : class
    {
        await using NpgsqlCommand command = Command(sql, parameters);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? read(reader) : null;
    }

    public static NpgsqlParameter Json(object? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = value is null ? DBNull.Value : JsonSerializer.Serialize(value, AdminJson.Options) };

    /// <summary>Appends the audit entry of a mutation, in this transaction.</summary>
    public Task AuditAsync(AuditEntry entry, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "INSERT INTO nemo.audit_log (organization_id, actor, ip, action, target, before, after) VALUES (@org, @actor, @ip, @action, @target, @before, @after)",
            cancellationToken,
            ("org", entry.OrganizationId), ("actor", entry.Actor), ("ip", entry.Ip), ("action", entry.Action), ("target", entry.Target),
            ("before", Json(entry.Before)), ("after", Json(entry.After)));

    /// <summary>Tells every gateway's key cache, at commit, that one key changed.</summary>
    public Task NotifyKeyAsync(KeyHash hash, CancellationToken cancellationToken) => NotifyAsync(hash.ToHex(), cancellationToken);

    /// <summary>Tells every gateway's key cache, at commit, to re-read an organization's keys.</summary>
    public Task NotifyOrganizationKeysAsync(Guid organization, CancellationToken cancellationToken) => NotifyAsync($"org:{organization}", cancellationToken);

    /// <summary>Tells every gateway's policy cache, at commit, to re-read an organization's guardrails, prompts and experiments.</summary>
    public Task NotifyPoliciesAsync(Guid organization, CancellationToken cancellationToken) =>
        ExecuteAsync("SELECT pg_notify(@channel, @payload)", cancellationToken, ("channel", Policies.PolicyChangeListener.ChannelName), ("payload", organization.ToString()));

    private Task NotifyAsync(string payload, CancellationToken cancellationToken) =>
        ExecuteAsync("SELECT pg_notify(@channel, @payload)", cancellationToken, ("channel", KeyChangeListener.ChannelName), ("payload", payload));

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        await transaction.CommitAsync(cancellationToken);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_committed)
        {
            try
            {
                await transaction.RollbackAsync(CancellationToken.None);
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // the connection broke; disposing it below discards the transaction anyway
            }
        }
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
