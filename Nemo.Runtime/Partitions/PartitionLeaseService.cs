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
/// Each round (every RenewInterval, or at once when another silo announces a change on
/// <c>nemo_partitions</c>): write the heartbeat, mark silos silent for two lease durations dead, and
/// renew the leases held, in one round trip; then balance. A silo aims at its fair share, ceil(partitions / live silos), where a silo is live while its
/// heartbeat is younger than LeaseDuration and it isn't shutting down:
/// - below its share, it takes free or expired leases (epoch + 1) up to the share;
/// - above its share while another live silo is below the floor share, it hands the excess off.
/// A lease not returned by a renewal is lost: its activations are dropped at once (their writes would
/// be fenced anyway). Lease times are the database's clock; self-fencing uses this process's monotonic
/// clock (<see cref="LocalOwnership"/>).
///
/// Hand-off (balance, or every lease on shutdown): stop serving the partitions, wait for calls inside
/// them to finish, deactivate their grains (which flush state, reservations included, while the lease
/// is still held), release the leases and notify, so the next owner takes over without waiting for
/// expiry. On SIGTERM this happens before the web server stops, while callers can still be redirected.
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
    ILogger<PartitionLeaseService> logger) : BackgroundService, IHostedLifecycleService
{
    public const string Channel = "nemo_partitions";

    /// <summary>Most partitions handed off in one balancing round, so a join moves load in steps.</summary>
    private const int MaxHandOffPerRound = 64;

    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly SemaphoreSlim _roundGate = new(1, 1);
    private volatile bool _stopping;

    /// <summary>Starts a round now (another silo released or took leases).</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // a round is already pending
        }
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        readiness.ExpectSilo();
        return base.StartAsync(cancellationToken);
    }

    private string ResolveAddress()
    {
        if (!string.IsNullOrWhiteSpace(options.AdvertisedUrl))
            return options.AdvertisedUrl.TrimEnd('/');
        return listener.BoundUrl
            ?? throw new InvalidOperationException("The silo-call listener is not bound; set Nemo__Cluster__SiloUrl (e.g. http://127.0.0.1:7100).");
    }

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        silo.Address = ResolveAddress();
        await using NpgsqlBatch batch = database.DataSource.CreateBatch();
        batch.BatchCommands.Add(Command("INSERT INTO nemo.partition_leases (partition) SELECT generate_series(0, @count - 1) ON CONFLICT DO NOTHING",
            ("count", options.PartitionCount)));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT count(*) FROM nemo.partition_leases"));
        batch.BatchCommands.Add(Command("INSERT INTO nemo.silos (silo_id, address, status) VALUES (@id, @address, 'active')",
            ("id", silo.SiloId), ("address", silo.Address)));
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
        if (!await WaitForServerAsync(stoppingToken))
            return;
        await RegisterAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested && !_stopping)
        {
            try
            {
                await RoundAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogRoundFailed(ex);
            }
            readiness.MarkSiloReady();
            try
            {
                await _wake.WaitAsync(options.RenewInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>The silo-call listener's port is known only once the server has started.</summary>
    private async Task<bool> WaitForServerAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled()))
        {
            try
            {
                await started.Task;
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    private async Task RoundAsync(CancellationToken cancellationToken)
    {
        await _roundGate.WaitAsync(cancellationToken);
        try
        {
            if (_stopping)
                return;
            (int live, int minOwned) = await RenewAsync(cancellationToken);
            int share = (options.PartitionCount + live - 1) / live;
            int floorShare = options.PartitionCount / live;
            int held = ownership.HeldPartitions().Count;
            if (held < share)
                await AcquireAsync(share - held, cancellationToken);
            else if (held > share && minOwned < floorShare)
                await HandOffAsync([.. ownership.HeldPartitions().OrderByDescending(p => p).Take(Math.Min(held - share, MaxHandOffPerRound))], cancellationToken);
        }
        finally
        {
            _roundGate.Release();
        }
    }

    /// <summary>Heartbeat + renewal in one round trip; returns the live silo count and the fewest leases a live silo holds.</summary>
    private async Task<(int Live, int MinOwned)> RenewAsync(CancellationToken cancellationToken)
    {
        long sentAt = time.GetTimestamp();
        await using NpgsqlBatch batch = database.DataSource.CreateBatch();
        batch.BatchCommands.Add(Command("UPDATE nemo.silos SET heartbeat_at = now() WHERE silo_id = @id AND status = 'active'", ("id", silo.SiloId)));
        // A silo whose heartbeat stopped for two lease durations crashed: record it, for every node to see.
        batch.BatchCommands.Add(Command("UPDATE nemo.silos SET status = 'dead' WHERE status IN ('active', 'shutting_down') AND heartbeat_at < now() - 2 * @ttl",
            ("ttl", options.LeaseDuration)));
        batch.BatchCommands.Add(Command(
            "UPDATE nemo.partition_leases SET expires_at = now() + @ttl WHERE owner_silo = @id AND expires_at > now() RETURNING partition, epoch",
            ("id", silo.SiloId), ("ttl", options.LeaseDuration)));
        batch.BatchCommands.Add(Command(
            """
            SELECT count(*)::int, coalesce(min(owned), 0)::int FROM (
                SELECT s.silo_id, count(l.partition) AS owned FROM nemo.silos s
                LEFT JOIN nemo.partition_leases l ON l.owner_silo = s.silo_id AND l.expires_at > now()
                WHERE s.status = 'active' AND s.heartbeat_at > now() - @ttl
                GROUP BY s.silo_id) live
            """, ("ttl", options.LeaseDuration)));
        var renewed = new Dictionary<int, long>();
        int live, minOwned;
        await using (NpgsqlDataReader reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                renewed[reader.GetInt32(0)] = reader.GetInt64(1);
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            live = Math.Max(1, reader.GetInt32(0));
            minOwned = reader.GetInt32(1);
        }
        foreach (int held in ownership.HeldPartitions())
        {
            if (!renewed.ContainsKey(held))
            {
                LogLeaseLost(held);
                ownership.Revoke(held);
            }
        }
        foreach ((int partition, long epoch) in renewed)
            ownership.Grant(partition, epoch, sentAt);
        return (live, minOwned);
    }

    private async Task AcquireAsync(int wanted, CancellationToken cancellationToken)
    {
        long sentAt = time.GetTimestamp();
        await using NpgsqlBatch batch = database.DataSource.CreateBatch();
        batch.BatchCommands.Add(Command(
            """
            WITH acquired AS (
            UPDATE nemo.partition_leases l SET owner_silo = @id, epoch = l.epoch + 1, expires_at = now() + @ttl
            FROM (
                SELECT partition, owner_silo AS previous FROM nemo.partition_leases
                WHERE owner_silo IS NULL OR expires_at <= now()
                ORDER BY partition LIMIT @wanted
                FOR UPDATE SKIP LOCKED) free
            WHERE l.partition = free.partition
            RETURNING l.partition, l.epoch, free.previous IS NOT NULL
            ), announced AS (
                -- Wake the other nodes only when leases actually moved: with ceil(partitions / silos) as
                -- the share, some silo always stays below it, and an unconditional notification would
                -- make every node run rounds back to back.
                SELECT pg_notify(@channel, @id::text) FROM (SELECT 1 FROM acquired LIMIT 1) moved
            )
            SELECT acquired.* FROM acquired LEFT JOIN announced ON true
            """, ("id", silo.SiloId), ("ttl", options.LeaseDuration), ("wanted", wanted), ("channel", Channel)));
        int acquired = 0;
        await using (NpgsqlDataReader reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                // A lease that expired under an owner (rather than being released) means that owner lost
                // its reservations with its memory (it died, or — this silo — lost the lease and dropped
                // its grains): recover before admitting (see LocalOwnership).
                ownership.Grant(reader.GetInt32(0), reader.GetInt64(1), sentAt, recovering: reader.GetBoolean(2));
                acquired++;
            }
        }
        if (acquired > 0)
            LogAcquired(acquired);
    }

    private async Task HandOffAsync(int[] partitions, CancellationToken cancellationToken)
    {
        if (partitions.Length == 0)
            return;
        bool drained = await ownership.DrainAsync(partitions, DrainTimeout, cancellationToken);
        if (!drained)
            LogDrainTimedOut(partitions.Length);
        var set = partitions.ToHashSet();
        await catalog.DeactivateAllAsync(set.Contains, cancellationToken);
        await using NpgsqlBatch release = database.DataSource.CreateBatch();
        release.BatchCommands.Add(Command(
            "UPDATE nemo.partition_leases SET owner_silo = NULL, expires_at = '-infinity' WHERE owner_silo = @id AND partition = ANY(@partitions)",
            ("id", silo.SiloId), ("partitions", partitions)));
        release.BatchCommands.Add(Command("SELECT pg_notify(@channel, @id::text)", ("channel", Channel), ("id", silo.SiloId)));
        await release.ExecuteNonQueryAsync(cancellationToken);
        foreach (int partition in partitions)
            ownership.Revoke(partition);
        LogHandedOff(partitions.Length);
    }

    // Graceful shutdown: IHostedLifecycleService.StoppingAsync runs before any hosted service (the web
    // server included) stops, so callers are still answered (NotOwner) while the leases move.
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        await _roundGate.WaitAsync(cancellationToken);
        try
        {
            await using (NpgsqlBatch mark = database.DataSource.CreateBatch())
            {
                mark.BatchCommands.Add(Command("UPDATE nemo.silos SET status = 'shutting_down' WHERE silo_id = @id", ("id", silo.SiloId)));
                mark.BatchCommands.Add(Command("SELECT pg_notify(@channel, @id::text)", ("channel", Channel), ("id", silo.SiloId)));
                await mark.ExecuteNonQueryAsync(cancellationToken);
            }
            await HandOffAsync([.. ownership.HeldPartitions()], cancellationToken);
        }
        catch (Exception ex)
        {
            LogReleaseFailed(ex);
        }
        finally
        {
            _roundGate.Release();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await using NpgsqlCommand dead = database.DataSource.CreateCommand("UPDATE nemo.silos SET status = 'dead' WHERE silo_id = @id");
            dead.Parameters.AddWithValue("id", silo.SiloId);
            await dead.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            LogReleaseFailed(ex);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static NpgsqlBatchCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach ((string name, object value) in parameters)
            command.Parameters.Add(new NpgsqlParameter(name, value));
        return command;
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Silo {SiloId} registered at {Address}")]
    private partial void LogRegistered(Guid siloId, string address);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Lease round failed; partitions stop serving when their leases run out")]
    private partial void LogRoundFailed(Exception exception);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Lease of partition {Partition} lost; its activations are dropped")]
    private partial void LogLeaseLost(int partition);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Acquired {Count} partition leases")]
    private partial void LogAcquired(int count);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "Handed off {Count} partitions")]
    private partial void LogHandedOff(int count);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "Calls into {Count} draining partitions did not finish in time; handing off anyway")]
    private partial void LogDrainTimedOut(int count);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Error, Message = "Releasing leases on shutdown failed; they will expire instead")]
    private partial void LogReleaseFailed(Exception exception);
}
