namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>
/// Spark's progress of one epoch, with the numbers computed; the host adds the query's identity, the source and sink
/// descriptions and its own measurements, and writes Spark's JSON.
/// </summary>
public sealed record EpochProgress
{
    public required long BatchId { get; init; }
    public required DateTimeOffset TriggerStart { get; init; }
    public required DateTimeOffset End { get; init; }
    /// <summary>The trigger start as Spark writes it (ISO-8601 UTC, ms).</summary>
    public required string Timestamp { get; init; }
    public required long BatchDurationMs { get; init; }
    public required long NumInputRows { get; init; }
    public required double InputRowsPerSecond { get; init; }
    public required double ProcessedRowsPerSecond { get; init; }
    /// <summary>Time per phase: Spark's keys (queryPlanning, getBatch, latestOffset, addBatch, walCommit, commitOffsets, triggerExecution).</summary>
    public required IReadOnlyList<KeyValuePair<string, long>> DurationMs { get; init; }
    public required IReadOnlyList<Source> Sources { get; init; }
    public required long NumOutputRows { get; init; }
    public required IReadOnlyList<StateOperator> StateOperators { get; init; }
    public required IReadOnlyDictionary<string, string> EventTime { get; init; }

    public sealed record Source(string SourceId, string? StartOffset, string? EndOffset, long NumInputRows, double InputRowsPerSecond, double ProcessedRowsPerSecond);

    public sealed record StateOperator(string OperatorName, long NumRowsTotal, long NumRowsUpdated, long NumRowsRemoved, long NumRowsDroppedByWatermark,
        long MemoryUsedBytes, long CommitTimeMs, int NumShufflePartitions, long StateBytesWritten, long SnapshotsWritten, long BackgroundWriteTimeMs)
    {
        /// <summary>Spark's allUpdatesTimeMs, summed over partitions.</summary>
        public long AllUpdatesTimeMs { get; init; }
        /// <summary>Spark's allRemovalsTimeMs, summed over partitions.</summary>
        public long AllRemovalsTimeMs { get; init; }
        /// <summary>State store instances (one per partition of the stage).</summary>
        public int NumStateStoreInstances { get; init; }
        /// <summary>The operator's own counters, summed over partitions.</summary>
        public IReadOnlyDictionary<string, long> CustomMetrics { get; init; } = new Dictionary<string, long>();
    }
}
