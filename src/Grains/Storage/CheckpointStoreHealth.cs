namespace OrleansStream.Grains.Storage;

/// <summary>
/// Whether checkpoint storage is answering, for progress reports and status: one per silo (a DI singleton), fed by the
/// store's retries. A stall starts when a call begins that then fails for transport reasons and ends with the next call
/// that succeeds; while storage is down every call fails, so one stall spans all of them.
/// </summary>
internal sealed class CheckpointStoreHealth(TimeProvider time)
{
    // Enough to cover any epoch's window: older stalls only count towards TotalStallMs.
    private const int KeptStalls = 64;

    private readonly Lock _lock = new();
    private readonly Queue<(DateTimeOffset Start, DateTimeOffset End)> _recent = new();
    private DateTimeOffset? _stallStarted;
    private long _completedStallMs;

    public CheckpointStoreHealth() : this(TimeProvider.System)
    {
    }

    /// <summary>The clock stalls are measured with (the silo's <see cref="TimeProvider"/>).</summary>
    public DateTimeOffset Now => time.GetUtcNow();

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
            lock (_lock) return _completedStallMs + (_stallStarted is { } started ? Milliseconds(started, Now) : 0);
        }
    }

    /// <summary>Milliseconds of stall between <paramref name="from"/> and <paramref name="to"/>: how much of an epoch was spent waiting for storage.</summary>
    public long StalledMsBetween(DateTimeOffset from, DateTimeOffset to)
    {
        lock (_lock)
        {
            var ms = _recent.Sum(s => Overlap(s.Start, s.End, from, to));
            return _stallStarted is { } started ? ms + Overlap(started, Now, from, to) : ms;
        }
    }

    /// <summary>A call that began at <paramref name="callStarted"/> (by <see cref="Now"/>) failed for a transport reason.</summary>
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
            var end = Now;
            _completedStallMs += Milliseconds(started, end);
            _recent.Enqueue((started, end));
            if (_recent.Count > KeptStalls) _recent.Dequeue();
            _stallStarted = null;
            return end - started;
        }
    }

    private static long Overlap(DateTimeOffset start, DateTimeOffset end, DateTimeOffset from, DateTimeOffset to) =>
        Milliseconds(start > from ? start : from, end < to ? end : to);

    private static long Milliseconds(DateTimeOffset from, DateTimeOffset to) => Math.Max(0, (long)(to - from).TotalMilliseconds);
}
