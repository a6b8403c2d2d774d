namespace OrleansStream.Interfaces.Execution;

/// <summary>Reads one partition of one source for one epoch, runs the source stages that read it and hands their rows on:
/// routed by key group to the partitions of the keyed stages they feed, or to the sink partition.</summary>
[Alias("OrleansStream.ISourceTaskGrain")]
public interface ISourceTaskGrain : IGrainWithStringKey
{
    /// <summary>Runs <paramref name="task"/>; deterministic given the task.</summary>
    [Alias("Run")] Task<SourceTaskResult> RunAsync(SourceTask task);
}

/// <summary>One source partition's share of one epoch.</summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.SourceTask")]
public sealed record SourceTask
{
    [Id(0)] public required string QueryKey { get; init; }
    [Id(1)] public required Guid Attempt { get; init; }
    [Id(2)] public required string PlanJson { get; init; }
    [Id(3)] public required string SourceId { get; init; }
    [Id(4)] public required int Partition { get; init; }
    [Id(5)] public required int NumPartitions { get; init; }
    [Id(6)] public string? StartOffset { get; init; }
    /// <summary>The offset the share ends at (empty for a static leaf, which has no offsets).</summary>
    [Id(7)] public required string EndOffset { get; init; }
    [Id(8)] public required long BatchId { get; init; }
    [Id(9)] public required long BatchTimestampMicros { get; init; }
    [Id(10)] public required int TaskIndex { get; init; }
    [Id(11)] public required string SinkKey { get; init; }
    [Id(12)] public required SinkSpec Sink { get; init; }
    /// <summary>Partitions per keyed stage id in this epoch (empty for a stateless query: rows go to the sink).</summary>
    [Id(15)] public IReadOnlyDictionary<int, int> StagePartitions { get; init; } = new Dictionary<int, int>();
    [Id(14)] public int NumKeyGroups { get; init; }
    /// <summary>
    /// True when <see cref="SourceId"/> is a static leaf (a batch relation or local rows in a streaming query): the task reads it
    /// whole, at <see cref="StaticVersion"/>, every epoch.
    /// </summary>
    [Id(16)] public bool IsStatic { get; init; }
    /// <summary>The version of the static leaf this epoch reads, as its write-ahead record holds it (null for local rows).</summary>
    [Id(17)] public string? StaticVersion { get; init; }
}

/// <summary>What a source task did.</summary>
/// <param name="InputRows">Rows read.</param>
/// <param name="OutputRows">Rows handed straight to the sink.</param>
[GenerateSerializer, Immutable, Alias("OrleansStream.SourceTaskResult")]
public sealed record SourceTaskResult([property: Id(0)] long InputRows, [property: Id(1)] long OutputRows)
{
    /// <summary>Event-time statistics per watermark node id.</summary>
    [Id(2)] public Dictionary<int, EventTimeSummary> EventTime { get; init; } = new();
    /// <summary>How many stage calls this task made to each grain it staged rows at (keyed by grain key).</summary>
    [Id(3)] public Dictionary<string, int> Deliveries { get; init; } = new();
}
