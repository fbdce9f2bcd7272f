using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Nemo.Tests.Dashboard;

/// <summary>Keeps the errors the console's host logs, so a failing browser test can say what the server saw (a 500 shows the browser nothing).</summary>
public sealed class ServerErrorLog : ILoggerProvider
{
    public ConcurrentQueue<string> Errors { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ServerErrorLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
                log.Errors.Enqueue($"{category}: {formatter(state, exception)} {exception}");
        }
    }
}
