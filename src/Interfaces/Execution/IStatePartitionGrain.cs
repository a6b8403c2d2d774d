using OrleansStream.Interfaces.Lookups;
using OrleansStream.Interfaces.Queries;

namespace OrleansStream.Interfaces.Execution;

/// <summary>
/// One partition of one keyed stage of a query (keyed "{query}|stage{id}|{partition}"): owns a range of key groups,
/// receives their rows for an epoch, runs the stage's keyed operator and pipeline, hands the rows on to the stage's outputs
/// and stages its state as version e (DESIGN.md §3–4).
/// </summary>
[Alias("OrleansStream.IStatePartitionGrain")]
public interface IStatePartitionGrain : IGrainWithStringKey
{
    /// <summary>Stages rows for input <paramref name="inputIndex"/> of the stage's keyed operator, routed here by
    /// <paramref name="producer"/> of <paramref name="producerStage"/> (a source task, whose stage is -1, or a partition of an
    /// upstream keyed stage) for the attempt. The epoch's input is consumed ordered by (producer stage, producer).
    /// The caller hands <paramref name="rows"/> over: within a silo the batch itself is passed on, and the partition releases
    /// its pooled arrays once the epoch is done with it.
    /// Interleaves with <see cref="FinishAsync"/>: the next epoch's source tasks stage here while the partition still
    /// finishes the epoch before it (which took its own attempt's input first).</summary>
    [AlwaysInterleave, Alias("Stage")] Task StageAsync(Guid attempt, long batchId, int inputIndex, int producerStage, int producer, [Immutable] ExchangeRows rows);

    /// <summary>
    /// All input of the epoch is staged: run the keyed operator and the pipeline, hand the rows on, and start writing state version e. Returns
    /// once version e-2 is durable; versions e-1 and e are written while the next epochs run (see <see cref="WhenWrittenAsync"/>).
    /// </summary>
    /// <exception cref="StateVersionUnavailableException">This activation does not hold version e-1 and the checkpoint
    /// does not either (e-1 is not committed): the epochs after the last committed one must run again.</exception>
    [Alias("Finish")] Task<PartitionResult> FinishAsync(PartitionEpoch epoch);

    /// <summary>Completes when state version <paramref name="version"/>, the last this partition ran, and every version before it are durable.</summary>
    /// <exception cref="StateVersionUnavailableException">This activation did not run that version (it was activated since).</exception>
    [Alias("WhenWritten")] Task WhenWrittenAsync(long version);

    /// <summary>A live lookup or bounded scan of this partition's state at the query's last committed epoch (never the epoch
    /// running: it interleaves with it and reads a committed copy).</summary>
    [AlwaysInterleave, Alias("Lookup")] Task<PartitionLookupResult> LookupAsync(PartitionLookupRequest request);
}

/// <summary>What a partition needs to finish an epoch.</summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.PartitionEpoch")]
public sealed record PartitionEpoch
{
    [Id(0)] public required string QueryKey { get; init; }
    [Id(1)] public required Guid Attempt { get; init; }
    [Id(2)] public required string PlanJson { get; init; }
    /// <summary>The keyed stage (its id keys the state's checkpoint location).</summary>
    [Id(3)] public required int StageId { get; init; }
    [Id(4)] public required int Partition { get; init; }
    /// <summary>The partitions of this stage in this epoch.</summary>
    [Id(5)] public required int NumPartitions { get; init; }
    /// <summary>The partitions the committed state was written by (differs from <see cref="NumPartitions"/> after rescaling).</summary>
    [Id(6)] public required int StoredPartitions { get; init; }
    [Id(7)] public required int NumKeyGroups { get; init; }
    [Id(8)] public required long BatchId { get; init; }
    /// <summary>
    /// The last committed epoch, or -1: the newest state version the checkpoint is known to hold. The epoch builds on
    /// version <see cref="BatchId"/> - 1, which is newer while its write is still pending.
    /// </summary>
    [Id(9)] public required long LastCommitted { get; init; }
    [Id(10)] public required long BatchTimestampMicros { get; init; }
    [Id(11)] public long? LateThresholdMicros { get; init; }
    [Id(12)] public long? EvictThresholdMicros { get; init; }
    [Id(13)] public required string OutputMode { get; init; }
    /// <summary>Partitions per keyed stage id in this epoch (the stages this one hands rows to are among them).</summary>
    [Id(19)] public required IReadOnlyDictionary<int, int> StagePartitions { get; init; }
    /// <summary>The sink partition this partition's rows go to, when the stage outputs to the sink.</summary>
    [Id(15)] public required string SinkKey { get; init; }
    /// <summary>This partition's producer number at the sink (unique among everything the epoch stages at the sink).</summary>
    [Id(20)] public required int SinkProducer { get; init; }
    [Id(16)] public required SinkSpec Sink { get; init; }
    /// <summary>Write a full snapshot every this many versions (deltas in between).</summary>
    [Id(17)] public required int SnapshotInterval { get; init; }
    /// <summary>A snapshot falls due no sooner than this many milliseconds after the partition's last one (0: by versions alone).</summary>
    [Id(21)] public long SnapshotMinIntervalMs { get; init; }
    /// <summary>How many stage calls the epoch's producers made to this partition for this attempt: finishing with fewer
    /// staged (an activation that lost them) fails the attempt instead of running the epoch on partial input.</summary>
    [Id(18)] public int ExpectedInputs { get; init; }
}

/// <summary>What a partition did in an epoch (Spark's per-operator progress counters, before summing).</summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.PartitionResult")]
public sealed record PartitionResult
{
    [Id(0)] public long OutputRows { get; init; }
    [Id(1)] public long NumRowsTotal { get; init; }
    [Id(2)] public long NumRowsUpdated { get; init; }
    [Id(3)] public long NumRowsRemoved { get; init; }
    [Id(4)] public long NumRowsDroppedByWatermark { get; init; }
    [Id(5)] public long MemoryUsedBytes { get; init; }
    [Id(6)] public long CommitTimeMs { get; init; }
    [Id(7)] public long StateBytesWritten { get; init; }
    [Id(8)] public bool WroteSnapshot { get; init; }
    /// <summary>How long the previous version's write took, in the background while this epoch ran.</summary>
    [Id(9)] public long PreviousWriteMs { get; init; }
    /// <summary>How many stage calls the partition made to each grain it handed rows to (keyed by grain key).</summary>
    [Id(10)] public Dictionary<string, int> Deliveries { get; init; } = new();
    /// <summary>Time spent applying the epoch's input to state (Spark's allUpdatesTimeMs).</summary>
    [Id(11)] public long AllUpdatesTimeMs { get; init; }
    /// <summary>Time spent removing state (Spark's allRemovalsTimeMs).</summary>
    [Id(12)] public long AllRemovalsTimeMs { get; init; }
    /// <summary>The operator's own counters (Spark's customMetrics, e.g. numDroppedDuplicateRows).</summary>
    [Id(13)] public Dictionary<string, long> CustomMetrics { get; init; } = new();
    /// <summary>The partition's earliest processing-time timer after the epoch (ms), or null: the trigger runs an epoch when it is due.</summary>
    [Id(14)] public long? NextProcessingTimerMs { get; init; }
}

/// <summary>Event-time statistics of one watermark node in one task (µs).</summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.EventTimeSummary")]
public sealed record EventTimeSummary([property: Id(0)] long MinMicros, [property: Id(1)] long MaxMicros, [property: Id(2)] double SumMicros, [property: Id(3)] long Count);
