using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.Execution;

/// <summary>
/// What an operator may know about the epoch it runs in. Everything time-dependent comes from here,
/// never from the wall clock, so that a replayed epoch produces the same rows.
/// </summary>
/// <param name="BatchId">The epoch (Spark's batchId); 0 for batch queries.</param>
/// <param name="BatchTimestampMicros">The epoch's batch timestamp, microseconds since the Unix epoch (UTC): the value of current_timestamp().</param>
/// <param name="WatermarkMicros">The event-time watermark in force for this epoch (microseconds), or 0.</param>
public sealed record EpochContext(long BatchId, long BatchTimestampMicros, long WatermarkMicros = 0)
{
    /// <summary>Where watermark operators record the event times they see; null when nobody collects them.</summary>
    public EventTimeCollector? EventTime { get; init; }

    /// <summary>
    /// The owner of the pooled arrays of the source batch being processed (set per batch by <see cref="Planning.Physical.SourcePipeline"/>),
    /// or, for a batch that came without one, the source task's owner; null elsewhere: a kernel that computes a whole column
    /// may rent it there, and it goes back with the batch's own arrays, once everything made of the batch was shipped.
    /// </summary>
    public BatchBuffers? Buffers { get; init; }

    /// <summary>A context for tests and batch queries at a given time.</summary>
    public static EpochContext ForBatch(DateTimeOffset now) => new(0, now.ToUnixTimeMilliseconds() * 1000);
}
