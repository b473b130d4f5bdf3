using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Sluice.Api.Tests.Infrastructure;

/// <summary>The service's log entries at Warning and above, kept in memory so a test can assert on them.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, LogLevel Level, string Message)> entries = new();

    /// <summary>Entries at Error or Critical, as "category: message".</summary>
    public IReadOnlyList<string> Errors =>
        entries.Where(e => e.Level >= LogLevel.Error).Select(e => $"{e.Category}: {e.Message}").ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    // The host disposes its providers; the entries stay readable after it stops.
    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                logs.entries.Enqueue((category, logLevel, formatter(state, exception)));
            }
        }
    }
}
