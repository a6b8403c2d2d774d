namespace OrleansStream.Interfaces.Subscriptions;

/// <summary>
/// One committed epoch's output as the sink received it (DESIGN.md §8): the appended rows (Append), the changed rows (Update)
/// or the whole result table (Complete), as Arrow IPC stream bytes, one part per sink partition in partition order.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.ResultEpoch")]
public sealed record ResultEpoch
{
    /// <summary>The epoch (Spark's batch id).</summary>
    [Id(0)] public required long BatchId { get; init; }
    /// <summary>The query's output mode: "append", "update" or "complete".</summary>
    [Id(1)] public required string OutputMode { get; init; }
    /// <summary>The rows, as Arrow IPC streams (empty when the epoch output nothing).</summary>
    [Id(2)] public required IReadOnlyList<byte[]> Parts { get; init; }
}
