namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>
/// The coordinator's part of the checkpoint, as the engine sees it: the offset and commit logs and what the epochs decided
/// about state and event time. The runtime persists it in one conditional write (write-ahead and commit records together).
/// </summary>
public sealed class CheckpointRecords
{
    public OffsetLog Offsets { get; } = new();
    public CommitLog Commits { get; } = new();
    /// <summary>Key groups of the query's keyed state, fixed at first start (0 until then).</summary>
    public int NumKeyGroups { get; set; }
    /// <summary>Per keyed stage id: the number of partitions that wrote its committed state.</summary>
    public Dictionary<int, int> StatePartitions { get; } = new();
    /// <summary>Per watermark node id: the maximum event time seen so far (ms).</summary>
    public Dictionary<int, long> EventTimeMaxMs { get; } = new();
    /// <summary>How the watermarks of several inputs combine ("min" or "max"), frozen at first start as in Spark.</summary>
    public string? WatermarkPolicy { get; set; }

    public long LastCommitted => Commits.LastCommitted;

    /// <summary>Bounded retention: keeps the epochs from <c>LastCommitted - minBatchesToRetain</c> on.</summary>
    public void Trim(int minBatchesToRetain)
    {
        var keep = LastCommitted - minBatchesToRetain;
        Offsets.TrimBefore(keep);
        Commits.TrimBefore(keep);
    }
}
