namespace OrleansStream.Grains.Storage;

/// <summary>
/// Whether checkpoint storage is answering, for progress reports and status: one per silo (a DI singleton), fed by the
/// store's retries. A stall starts when a call begins that then fails for transport reasons and ends with the next call
/// that succeeds; while storage is down every call fails, so one stall spans all of them.
/// </summary>
internal sealed class CheckpointStoreHealth(TimeProvider time)
{
    private readonly Lock _lock = new();
    private DateTimeOffset? _stallStarted;
    private long _completedStallMs;

    public CheckpointStoreHealth() : this(TimeProvider.System)
    {
    }

    /// <summary>When the current stall began, or null while storage answers.</summary>
    public DateTimeOffset? CurrentStallStarted
    {
        get
        {
            lock (_lock) return _stallStarted;
        }
    }

    /// <summary>Milliseconds spent stalled since the silo started, the current stall included.</summary>
    public long TotalStallMs
    {
        get
        {
            lock (_lock) return _completedStallMs + CurrentStallMs();
        }
    }

    /// <summary>A call that began at <paramref name="callStarted"/> failed for a transport reason.</summary>
    public void OnFailure(DateTimeOffset callStarted)
    {
        lock (_lock)
        {
            if (_stallStarted is null || callStarted < _stallStarted) _stallStarted = callStarted;
        }
    }

    /// <summary>A call succeeded; returns how long the stall it ends lasted, or null when there was none.</summary>
    public TimeSpan? OnSuccess()
    {
        lock (_lock)
        {
            if (_stallStarted is not { } started) return null;
            var stall = time.GetUtcNow() - started;
            _completedStallMs += (long)stall.TotalMilliseconds;
            _stallStarted = null;
            return stall;
        }
    }

    private long CurrentStallMs() => _stallStarted is { } started ? Math.Max(0, (long)(time.GetUtcNow() - started).TotalMilliseconds) : 0;
}
