using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nemo.Runtime.Activation;
using Nemo.Runtime.Hosting;
using Nemo.Runtime.Membership;
using Nemo.Runtime.Storage;
using Npgsql;

namespace Nemo.Runtime.Partitions;

/// <summary>
/// Membership and partition leases of this silo, in PostgreSQL.
///
/// Every RenewInterval one statement (a) writes the silo's heartbeat, (b) renews the leases it holds,
/// and (c) takes free or expired leases, bumping their epoch. Lease times are the database's clock;
/// self-fencing uses this process's monotonic clock from before the statement was sent
/// (<see cref="LocalOwnership"/>). A lease not returned by a renewal is lost: its activations are
/// dropped at once. On graceful stop the silo deactivates its grains (flushing state) and then releases
/// its leases so that a successor takes over without waiting for expiry.
/// </summary>
internal sealed partial class PartitionLeaseService(
    NemoDatabase database,
    LocalOwnership ownership,
    SiloIdentity silo,
    Catalog catalog,
    ClusterOptions options,
    TimeProvider time,
    NemoReadiness readiness,
    SiloListener listener,
    IHostApplicationLifetime lifetime,
    ILogger<PartitionLeaseService> logger) : BackgroundService
{
    private readonly TaskCompletionSource _firstRound = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes after the first lease round (whatever it obtained).</summary>
    public Task FirstRound => _firstRound.Task;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        readiness.ExpectSilo();
        return base.StartAsync(cancellationToken);
    }

    /// <summary>The advertised URL, else the silo-call listener's bound address (known once the server started).</summary>
    private string ResolveAddress()
    {
        if (!string.IsNullOrWhiteSpace(options.AdvertisedUrl))
            return options.AdvertisedUrl.TrimEnd('/');
        return listener.BoundUrl
            ?? throw new InvalidOperationException("The silo-call listener is not bound; set Nemo__Cluster__SiloUrl (e.g. http://127.0.0.1:7100).");
    }

    public async Task RegisterAsync(CancellationToken cancellationToken)
    {
        silo.Address = ResolveAddress();
        await using NpgsqlBatch batch = database.DataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "INSERT INTO nemo.partition_leases (partition) SELECT generate_series(0, @count - 1) ON CONFLICT DO NOTHING")
        {
            Parameters = { new NpgsqlParameter("count", options.PartitionCount) },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT count(*) FROM nemo.partition_leases"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "INSERT INTO nemo.silos (silo_id, address, status) VALUES (@id, @address, 'active')")
        {
            Parameters = { new NpgsqlParameter("id", silo.SiloId), new NpgsqlParameter("address", silo.Address) },
        });
        // Commands that return no rows yield no result set: the first one is the count.
        await using NpgsqlDataReader reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        long existing = reader.GetInt64(0);
        if (existing != options.PartitionCount)
            throw new InvalidOperationException(
                $"This cluster's database has {existing} partitions but Nemo:Cluster:PartitionCount is {options.PartitionCount}; set it to {existing} on every node.");
        LogRegistered(silo.SiloId, silo.Address);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled()))
        {
            try
            {
                await started.Task;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        await RegisterAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RenewAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogRenewFailed(ex);
            }
            if (_firstRound.TrySetResult())
                readiness.MarkSiloReady();
            try
            {
                await Task.Delay(options.RenewInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        long sentAt = time.GetTimestamp();
        await using NpgsqlBatch batch = database.DataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "UPDATE nemo.silos SET heartbeat_at = now(), status = 'active' WHERE silo_id = @id AND status <> 'shutting_down'")
        {
            Parameters = { new NpgsqlParameter("id", silo.SiloId) },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            UPDATE nemo.partition_leases
            SET epoch = CASE WHEN owner_silo = @id AND expires_at > now() THEN epoch ELSE epoch + 1 END,
                owner_silo = @id,
                expires_at = now() + @ttl
            WHERE owner_silo = @id AND expires_at > now()
               OR (owner_silo IS NULL OR expires_at <= now())
            RETURNING partition, epoch
            """)
        {
            Parameters = { new NpgsqlParameter("id", silo.SiloId), new NpgsqlParameter("ttl", options.LeaseDuration) },
        });
        var granted = new Dictionary<int, long>();
        await using (NpgsqlDataReader reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                granted[reader.GetInt32(0)] = reader.GetInt64(1);
        }
        foreach (int held in ownership.HeldPartitions())
        {
            if (!granted.ContainsKey(held))
            {
                LogLeaseLost(held);
                ownership.Revoke(held);
            }
        }
        foreach ((int partition, long epoch) in granted)
            ownership.Grant(partition, epoch, sentAt);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await using (NpgsqlCommand mark = database.DataSource.CreateCommand("UPDATE nemo.silos SET status = 'shutting_down' WHERE silo_id = @id"))
            {
                mark.Parameters.AddWithValue("id", silo.SiloId);
                await mark.ExecuteNonQueryAsync(cancellationToken);
            }
            await catalog.DeactivateAllAsync(_ => true, cancellationToken);
            await using NpgsqlBatch release = database.DataSource.CreateBatch();
            release.BatchCommands.Add(new NpgsqlBatchCommand(
                "UPDATE nemo.partition_leases SET owner_silo = NULL, expires_at = '-infinity' WHERE owner_silo = @id")
            {
                Parameters = { new NpgsqlParameter("id", silo.SiloId) },
            });
            release.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE nemo.silos SET status = 'dead' WHERE silo_id = @id")
            {
                Parameters = { new NpgsqlParameter("id", silo.SiloId) },
            });
            foreach (int held in ownership.HeldPartitions())
                ownership.Revoke(held);
            await release.ExecuteNonQueryAsync(cancellationToken);
            LogReleased(silo.SiloId);
        }
        catch (Exception ex)
        {
            LogReleaseFailed(ex);
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Silo {SiloId} registered at {Address}")]
    private partial void LogRegistered(Guid siloId, string address);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Lease renewal failed; partitions stop serving when their leases run out")]
    private partial void LogRenewFailed(Exception exception);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Lease of partition {Partition} lost; its activations are dropped")]
    private partial void LogLeaseLost(int partition);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Silo {SiloId} released its leases")]
    private partial void LogReleased(Guid siloId);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "Releasing leases on shutdown failed; they will expire instead")]
    private partial void LogReleaseFailed(Exception exception);
}
