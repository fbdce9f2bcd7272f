using System.Collections.Concurrent;
using System.Diagnostics;

namespace Nemo.Tests.Infrastructure;

/// <summary>
/// Records every command Npgsql runs against one database, from Npgsql's own tracing (ActivitySource
/// "Npgsql"), and whether it ran on a request's own path: inside an ASP.NET Core request activity, or
/// inside an activity the test started with <see cref="StartRequest"/>, judged by trace id, so a grain
/// call (Orleans propagates the trace context into the grain) counts as the request's own work. Work a
/// request only waits for (the group-committed ledger writer) and timers (fencing confirmations,
/// outboxes) run in traces of their own.
/// </summary>
public sealed class DbCommandRecorder : IDisposable
{
    private const string TestSourceName = "Nemo.Tests.Requests";
    private const string AspNetCoreRequest = "Microsoft.AspNetCore.Hosting.HttpRequestIn";
    private static readonly ActivitySource TestSource = new(TestSourceName);

    private readonly ActivityListener _listener;
    private readonly string _database;
    private readonly ConcurrentDictionary<ActivityTraceId, byte> _requestTraces = new();

    public DbCommandRecorder(string database)
    {
        _database = database;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Npgsql" or "Microsoft.AspNetCore" or TestSourceName || source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStarted = activity =>
            {
                if (activity.OperationName == AspNetCoreRequest || activity.Source.Name == TestSourceName)
                    _requestTraces.TryAdd(activity.TraceId, 0);
            },
            ActivityStopped = Record,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public sealed record Command(string Text, bool OnRequestPath);

    public ConcurrentQueue<Command> Commands { get; } = new();

    public IEnumerable<Command> OnRequestPath => Commands.Where(c => c.OnRequestPath);

    /// <summary>Marks a stretch of test code as "a request" for <see cref="Command.OnRequestPath"/>.</summary>
    public static Activity StartRequest() => TestSource.StartActivity("request") ?? throw new InvalidOperationException("No listener for the test activity source.");

    private void Record(Activity activity)
    {
        if (activity.Source.Name != "Npgsql")
            return;
        string? database = (activity.GetTagItem("db.namespace") ?? activity.GetTagItem("db.name"))?.ToString();
        if (database != _database)
            return;
        string text = (activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement"))?.ToString() ?? activity.DisplayName;
        Commands.Enqueue(new Command(text, _requestTraces.ContainsKey(activity.TraceId)));
    }

    public void Dispose() => _listener.Dispose();
}
