using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators;

/// <summary>
/// The partition side of a stateful operator (aggregation, deduplication): it consumes the rows routed to its key groups
/// for one epoch, updates its keyed state and returns the rows the output mode releases. Deterministic given
/// (state, input in order, <see cref="StatefulContext"/>). Its state persists through <see cref="VersionedStateStore"/>
/// (<see cref="IVersionedState"/>): a delta per epoch and snapshots.
/// </summary>
public interface IStatefulOperator : IVersionedState
{
    /// <summary>The schema of the rows <see cref="Process"/> returns.</summary>
    Schema OutputSchema { get; }

    /// <summary>Applies one epoch's input (in a deterministic order), each batch with the index of the stage input it came
    /// through, and returns the output rows.</summary>
    RecordBatch Process(IReadOnlyList<KeyedInput> input, StatefulContext context);

    /// <summary>Counters of the last <see cref="Process"/> call and the state size.</summary>
    StateOperatorMetrics Metrics { get; }

    /// <summary>True (the default) when the state or the output of <see cref="Process"/> may refer to the input's columns
    /// after it returns; false when the operator copies what it keeps, so that the caller may reuse the input's memory once
    /// the output is handed on.</summary>
    bool RetainsInput => true;
}

/// <summary>What a stateful operator may know about its epoch.</summary>
/// <param name="BatchId">The epoch.</param>
/// <param name="LateThresholdMicros">Input whose event time is at or below this is late and dropped (Spark: the previous epoch's watermark); null without a watermark.</param>
/// <param name="EvictThresholdMicros">State whose event time is at or below this is final: emitted (Append) and evicted; null without a watermark.</param>
public sealed record StatefulContext(long BatchId, long? LateThresholdMicros, long? EvictThresholdMicros)
{
    /// <summary>The key groups [Start, End) of the partition running the epoch (<see cref="KeyGroups.KeyGroupRange"/>); null
    /// when it runs every key group (a batch query, or a single partition).</summary>
    public (int Start, int End)? OwnedKeyGroups { get; init; }

    /// <summary>The epoch's batch timestamp (µs since the Unix epoch): processing-time timers and time to live go by it.</summary>
    public long BatchTimestampMicros { get; init; }

    /// <summary>The owner the operator may rent its output batch's columns from: the caller releases it once the output (and
    /// everything made of it) is handed on. Null: the output is allocated and may be kept.</summary>
    public BatchBuffers? Buffers { get; init; }

    /// <summary>True when the partition running the epoch owns <paramref name="keyGroup"/>.</summary>
    public bool OwnsKeyGroup(int keyGroup) => OwnedKeyGroups is not { } range || (keyGroup >= range.Start && keyGroup < range.End);
}

/// <summary>Spark's per-operator progress counters for one epoch of one partition (summed over partitions by the trigger).</summary>
public sealed record StateOperatorMetrics(long NumRowsTotal, long NumRowsUpdated, long NumRowsRemoved, long NumRowsDroppedByWatermark, long MemoryUsedBytes)
{
    private static readonly IReadOnlyDictionary<string, long> NoCustomMetrics = new Dictionary<string, long>();

    /// <summary>No state, no work.</summary>
    public static readonly StateOperatorMetrics Empty = new(0, 0, 0, 0, 0);

    /// <summary>Spark's allUpdatesTimeMs: time spent applying the epoch's input to state (0 when the operator does not measure it).</summary>
    public long AllUpdatesTimeMs { get; init; }

    /// <summary>Spark's allRemovalsTimeMs: time spent removing state (eviction by the watermark).</summary>
    public long AllRemovalsTimeMs { get; init; }

    /// <summary>Operator-specific counters reported in Spark's customMetrics (e.g. numDroppedDuplicateRows for deduplication).</summary>
    public IReadOnlyDictionary<string, long> CustomMetrics { get; init; } = NoCustomMetrics;

    /// <summary>The earliest processing-time timer left in the partition's state (ms), or null: the trigger runs an epoch
    /// for it once the clock reaches it, even without new data.</summary>
    public long? NextProcessingTimerMs { get; init; }
}
