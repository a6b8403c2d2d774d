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
}
