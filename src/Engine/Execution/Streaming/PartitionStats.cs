namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>One state partition's numbers for one epoch (Spark's state operator progress, before summing).</summary>
public sealed record PartitionStats
{
    public long OutputRows { get; init; }
    public long NumRowsTotal { get; init; }
    public long NumRowsUpdated { get; init; }
    public long NumRowsRemoved { get; init; }
    public long NumRowsDroppedByWatermark { get; init; }
    public long MemoryUsedBytes { get; init; }
    public long CommitTimeMs { get; init; }
    public long StateBytesWritten { get; init; }
    public bool WroteSnapshot { get; init; }
    public long PreviousWriteMs { get; init; }
    public long AllUpdatesTimeMs { get; init; }
    public long AllRemovalsTimeMs { get; init; }
    /// <summary>The partition's earliest processing-time timer after the epoch (ms), or null.</summary>
    public long? NextProcessingTimerMs { get; init; }
    public IReadOnlyDictionary<string, long> CustomMetrics { get; init; } = new Dictionary<string, long>();
}
