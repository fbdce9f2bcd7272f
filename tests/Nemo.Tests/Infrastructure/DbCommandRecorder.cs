using System.Collections.Concurrent;
using System.Diagnostics;

namespace Nemo.Tests.Infrastructure;

/// <summary>
/// Records every command Npgsql runs against one database, from Npgsql's own tracing (ActivitySource
/// "Npgsql"), and whether it ran on a request's own path: inside an ASP.NET Core request activity, or
/// inside an activity the test started with <see cref="StartRequest"/>. Work a request only waits for
/// (the group-committed ledger writer) and timers (leases, routing, outboxes) run outside them.
/// </summary>
public sealed class DbCommandRecorder : IDisposable
{
    private const string TestSourceName = "Nemo.Tests.Requests";
    private const string AspNetCoreRequest = "Microsoft.AspNetCore.Hosting.HttpRequestIn";
    private static readonly ActivitySource TestSource = new(TestSourceName);

    private readonly ActivityListener _listener;
    private readonly string _database;

    public DbCommandRecorder(string database)
    {
        _database = database;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Npgsql" or "Microsoft.AspNetCore" or TestSourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
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
        bool onRequestPath = false;
        for (Activity? parent = activity.Parent; parent is not null && !onRequestPath; parent = parent.Parent)
            onRequestPath = parent.OperationName == AspNetCoreRequest || parent.Source.Name == TestSourceName;
        Commands.Enqueue(new Command(text, onRequestPath));
    }

    public void Dispose() => _listener.Dispose();
}
