namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>Spark's triggers as the coordinator's loop sees them: when to plan again, and when to stop.</summary>
public sealed class TriggerPolicy
{
    private TriggerPolicy(TimeSpan interval, bool once, bool availableNow)
    {
        Interval = interval;
        StopsAfterEpoch = once;
        CapturesBounds = availableNow;
    }

    /// <summary>The default trigger (zero: the next epoch as soon as there is data) or a fixed interval.</summary>
    public static TriggerPolicy ProcessingTime(TimeSpan interval) => new(interval, once: false, availableNow: false);
    /// <summary>One epoch, then stop.</summary>
    public static TriggerPolicy Once { get; } = new(TimeSpan.Zero, once: true, availableNow: false);
    /// <summary>What is available at start, in as many epochs as source limits ask, then stop.</summary>
    public static TriggerPolicy AvailableNow { get; } = new(TimeSpan.Zero, once: false, availableNow: true);

    public TimeSpan Interval { get; }
    public bool StopsAfterEpoch { get; }
    /// <summary>Whether sources are bounded by what is available at start (Trigger.AvailableNow).</summary>
    public bool CapturesBounds { get; }
    public bool IsProcessingTime => !StopsAfterEpoch && !CapturesBounds;
    /// <summary>The default trigger polls; a stop or processAllAvailable ends its wait early.</summary>
    public bool IsDefault => IsProcessingTime && Interval == TimeSpan.Zero;
    /// <summary>Whether the loop ends when a planning round finds nothing to do.</summary>
    public bool StopsWhenIdle => !IsProcessingTime;
    /// <summary>Whether the loop waits for the next interval after an epoch (committing first).</summary>
    public bool WaitsAfterEpoch => IsProcessingTime && Interval > TimeSpan.Zero;

    /// <summary>Spark aligns processing-time triggers to multiples of the interval.</summary>
    public TimeSpan NextTriggerDelay(DateTimeOffset now)
    {
        var intervalMs = (long)Interval.TotalMilliseconds;
        var nowMs = now.ToUnixTimeMilliseconds();
        var next = (nowMs / intervalMs + 1) * intervalMs;
        return TimeSpan.FromMilliseconds(next - nowMs);
    }
}
