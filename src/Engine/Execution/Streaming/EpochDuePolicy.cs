using OrleansStream.Engine.Planning.Physical;

namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>
/// Whether an epoch is due (DESIGN.md §5, step 1): new data; or the watermark moved and a stateful operator emits or evicts by
/// it (Spark's no-data batch); or a timer is due (user state timers, not yet: no operator registers any).
/// </summary>
public sealed class EpochDuePolicy(EpochQuery query)
{
    /// <summary>Spark runs a no-data batch for an operator that uses the watermark, except an aggregation in complete mode.</summary>
    public static bool EvictsByWatermark(KeyedOperatorSpec op, string outputMode) =>
        op.UsesWatermark && (!outputMode.Equals("complete", StringComparison.OrdinalIgnoreCase) || op is not AggregationOperatorSpec);

    public bool IsDue(bool hasNewData, OffsetLogRecord? previous, long watermarkMs) =>
        hasNewData || WatermarkMoved(previous, watermarkMs) || TimerDue(previous, watermarkMs);

    private bool WatermarkMoved(OffsetLogRecord? previous, long watermarkMs) =>
        previous is not null && watermarkMs > previous.WatermarkMs && query.Operators.Any(op => op.EvictsByWatermark);

    // Processing-time timers against the batch timestamp and event-time timers against the watermark come with user state.
    private static bool TimerDue(OffsetLogRecord? previous, long watermarkMs) => false;
}
