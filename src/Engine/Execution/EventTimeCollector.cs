namespace OrleansStream.Engine.Execution;

/// <summary>
/// Event-time statistics of one epoch per watermark node (Spark's EventTimeStats): min, max, sum and count of the
/// event times (µs) of the rows that passed each withWatermark. The trigger turns the maxima into the next watermark.
/// </summary>
public sealed class EventTimeCollector
{
    private readonly Dictionary<int, EventTimeStats> _stats = new();

    /// <summary>The statistics per watermark node id.</summary>
    public IReadOnlyDictionary<int, EventTimeStats> Stats => _stats;

    /// <summary>Adds the statistics of one batch.</summary>
    public void Add(int watermarkId, EventTimeStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        _stats[watermarkId] = _stats.TryGetValue(watermarkId, out var s) ? s.Merge(stats) : stats;
    }
}

/// <summary>Min, max, sum and count of event times in µs.</summary>
public sealed record EventTimeStats(long MinMicros, long MaxMicros, double SumMicros, long Count)
{
    /// <summary>Both sets together.</summary>
    public EventTimeStats Merge(EventTimeStats other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Math.Min(MinMicros, other.MinMicros), Math.Max(MaxMicros, other.MaxMicros), SumMicros + other.SumMicros, Count + other.Count);
    }
}
