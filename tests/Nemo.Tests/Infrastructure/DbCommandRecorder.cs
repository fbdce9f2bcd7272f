using System.Collections.Concurrent;
using System.Diagnostics;

namespace Nemo.Tests.Infrastructure;

/// <summary>
/// Records every command Npgsql runs against one database, from Npgsql's own tracing
/// (ActivitySource "Npgsql"), so a test can count database round trips.
/// </summary>
public sealed class DbCommandRecorder : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly string _database;

    public DbCommandRecorder(string database)
    {
        _database = database;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = Record,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public ConcurrentQueue<string> Commands { get; } = new();

    private void Record(Activity activity)
    {
        string? database = (activity.GetTagItem("db.namespace") ?? activity.GetTagItem("db.name"))?.ToString();
        if (database != _database)
            return;
        string text = (activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement"))?.ToString() ?? activity.DisplayName;
        Commands.Enqueue(text);
    }

    public void Clear() => Commands.Clear();

    public void Dispose() => _listener.Dispose();
}
