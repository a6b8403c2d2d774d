namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>Event times one epoch saw at one watermark node (µs).</summary>
public sealed record EventTimeStats(long MinMicros, long MaxMicros, double SumMicros, long Count)
{
    public static EventTimeStats Merge(EventTimeStats a, EventTimeStats b) =>
        new(Math.Min(a.MinMicros, b.MinMicros), Math.Max(a.MaxMicros, b.MaxMicros), a.SumMicros + b.SumMicros, a.Count + b.Count);
}
