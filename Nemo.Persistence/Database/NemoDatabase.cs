using Npgsql;

namespace Nemo.Persistence.Database;

/// <summary>The process's one <see cref="NpgsqlDataSource"/> for the cluster database (service role).</summary>
public sealed class NemoDatabase : IAsyncDisposable
{
    public NemoDatabase(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.ApplicationName ??= "nemo";
        DataSource = builder.Build();
    }

    public NpgsqlDataSource DataSource { get; }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
