namespace OrleansStream.Client;

/// <summary>The epoch's clocks as a processor sees them (Spark's TimerValues).</summary>
/// <param name="CurrentProcessingTimeMs">The epoch's batch timestamp (ms since the Unix epoch); the same for every key of an epoch, and again when it is re-run.</param>
/// <param name="CurrentWatermarkMs">The watermark the epoch evicts by (ms); -1 without event time (Spark's value when there is none).</param>
public sealed record TimerValues(long CurrentProcessingTimeMs, long CurrentWatermarkMs)
{
    /// <summary>Spark's getCurrentProcessingTimeInMs.</summary>
    public long GetCurrentProcessingTimeInMs() => CurrentProcessingTimeMs;

    /// <summary>Spark's getCurrentWatermarkInMs.</summary>
    public long GetCurrentWatermarkInMs() => CurrentWatermarkMs;
}
