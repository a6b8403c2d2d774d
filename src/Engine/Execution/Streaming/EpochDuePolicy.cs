using OrleansStream.Engine.Planning.Physical;

namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>
/// Whether an epoch is due (DESIGN.md §5, step 1): new data; or the watermark moved and a stateful operator emits or evicts by
/// it (Spark's no-data batch; event-time timers fire that way); or a processing-time timer is due: the batch timestamp has
/// reached the earliest timer the partitions reported with the last epoch.
/// </summary>
public sealed class EpochDuePolicy(EpochQuery query)
{
    /// <summary>Spark runs a no-data batch for an operator that uses the watermark, except an aggregation in complete mode.</summary>
    public static bool EvictsByWatermark(KeyedOperatorSpec op, string outputMode) =>
        op.UsesWatermark && (!outputMode.Equals("complete", StringComparison.OrdinalIgnoreCase) || op is not AggregationOperatorSpec);

    /// <summary>Whether an epoch is due.</summary>
    /// <param name="hasNewData">A source has new data.</param>
    /// <param name="previous">The last epoch's offset record.</param>
    /// <param name="watermarkMs">The watermark the epoch would run with.</param>
    /// <param name="batchTimestampMs">The batch timestamp the epoch would run with.</param>
    /// <param name="nextTimerMs">The earliest processing-time timer of the query's state, or null for none.</param>
    public bool IsDue(bool hasNewData, OffsetLogRecord? previous, long watermarkMs, long batchTimestampMs = long.MinValue, long? nextTimerMs = null) =>
        hasNewData || WatermarkMoved(previous, watermarkMs) || TimerDue(batchTimestampMs, nextTimerMs);

    /// <summary>Whether any operator of the query keeps processing-time timers.</summary>
    public bool HasProcessingTimeTimers => query.Operators.Any(op => op.UsesProcessingTimeTimers);

    private bool WatermarkMoved(OffsetLogRecord? previous, long watermarkMs) =>
        previous is not null && watermarkMs > previous.WatermarkMs && query.Operators.Any(op => op.EvictsByWatermark);

    private bool TimerDue(long batchTimestampMs, long? nextTimerMs) =>
        nextTimerMs is { } next && next <= batchTimestampMs && HasProcessingTimeTimers;
}
