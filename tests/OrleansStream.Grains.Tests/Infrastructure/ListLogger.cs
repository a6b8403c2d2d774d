using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace OrleansStream.Grains.Tests.Infrastructure;

/// <summary>A logger that keeps every entry, with the time since it was created, for tests that assert on logs.</summary>
public sealed class ListLogger : ILogger
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<Entry> _entries = [];

    public IReadOnlyList<Entry> Entries
    {
        get
        {
            lock (_entries) return [.. _entries];
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries) _entries.Add(new Entry(_clock.Elapsed, logLevel, eventId.Id, formatter(state, exception)));
    }

    public sealed record Entry(TimeSpan At, LogLevel Level, int EventId, string Message);
}
