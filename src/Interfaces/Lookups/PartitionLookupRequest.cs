namespace OrleansStream.Interfaces.Lookups;

/// <summary>A live lookup asked of one state partition.</summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.PartitionLookupRequest")]
public sealed record PartitionLookupRequest
{
    /// <summary>The query's plan (as the partition runs it).</summary>
    [Id(0)] public required string PlanJson { get; init; }
    /// <summary>The keyed stage.</summary>
    [Id(1)] public required int StageId { get; init; }
    /// <summary>The query's last committed epoch: the answer is the state at that version.</summary>
    [Id(2)] public required long Committed { get; init; }
    /// <summary>The keys (Arrow IPC of the operator's lookup key columns), or null for a scan.</summary>
    [Id(3)] public byte[]? KeysIpc { get; init; }
    /// <summary>For a scan: the most rows to answer.</summary>
    [Id(4)] public int ScanLimit { get; init; }
    /// <summary>The partition asked (of <see cref="NumPartitions"/>, the stage's partitions at the committed epoch).</summary>
    [Id(5)] public int Partition { get; init; }
    /// <summary>The stage's partitions at the committed epoch: a partition holding no state of this run loads that version itself.</summary>
    [Id(6)] public int NumPartitions { get; init; }
    /// <summary>The query's key groups.</summary>
    [Id(7)] public int NumKeyGroups { get; init; }
    /// <summary>The query's key (where its state is checkpointed).</summary>
    [Id(8)] public required string QueryKey { get; init; }
}
