using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nemo.Grains.Diagnostics;
using Npgsql;

namespace Nemo.Gateway.RequestLog;

/// <summary>
/// A log table written after the response, in batches: the request path only queues (no database round
/// trip, no wait). Best effort by design — a log, not a ledger: when the queue is full (e.g. a flood of
/// refusals while PostgreSQL is slow) or a batch can't be written, entries are dropped and counted in
/// <c>{metric}.dropped</c>. A hand-written loop rather than a library: it is the ledger's group-commit
/// pattern without its guarantees, a dozen lines on Channel.
/// </summary>
internal abstract partial class BatchedLogWriter<T> : BackgroundService where T : class
{
    private readonly Channel<T> _queue;
    private readonly int _maxBatch;
    private readonly ILogger _logger;
    private readonly Counter<long> _dropped;
    private readonly string _what;

    /// <param name="metric">The instruments' prefix, e.g. <c>nemo.request_log</c>.</param>
    /// <param name="what">What an entry is, for the instruments' descriptions and the log.</param>
    protected BatchedLogWriter(int capacity, int maxBatch, string metric, string what, IMeterFactory meters, ILogger logger)
    {
        _queue = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
        _maxBatch = maxBatch;
        _logger = logger;
        _what = what;
        Meter meter = meters.Create(NemoInstrumentation.MeterName);
        _dropped = meter.CreateCounter<long>(metric + ".dropped", "{entry}", $"{what} dropped (queue full or write failed).");
        meter.CreateObservableGauge(metric + ".backlog", () => _queue.Reader.Count, "{entry}", $"{what} waiting to be written.");
    }

    public void Record(T entry)
    {
        if (!_queue.Writer.TryWrite(entry))
            _dropped.Add(1);
    }

    protected abstract Task WriteAsync(List<T> batch, CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<T>(_maxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
                await DrainAsync(batch, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await DrainAsync(batch, CancellationToken.None); // what was queued before shutdown
    }

    private async Task DrainAsync(List<T> batch, CancellationToken cancellationToken)
    {
        while (true)
        {
            batch.Clear();
            while (batch.Count < _maxBatch && _queue.Reader.TryRead(out T? entry))
                batch.Add(entry);
            if (batch.Count == 0)
                return;
            try
            {
                await WriteAsync(batch, cancellationToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                _dropped.Add(batch.Count);
                LogWriteFailed(_logger, ex, batch.Count, _what);
            }
        }
    }

    [LoggerMessage(EventId = 7601, Level = LogLevel.Warning, Message = "Writing {Count} entries ({What}) failed; they are dropped")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int count, string what);
}
