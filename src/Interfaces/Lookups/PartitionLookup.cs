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

/// <summary>A state partition's answer to a live lookup.</summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.PartitionLookupResult")]
public sealed record PartitionLookupResult
{
    /// <summary>Null when answered; else why the partition cannot answer at the committed version yet (it is ahead of it, or has
    /// not run since it was activated): the caller asks again after the next commit.</summary>
    [Id(0)] public string? NotReady { get; init; }
    /// <summary>Per key: whether the state holds it.</summary>
    [Id(1)] public bool[] Found { get; init; } = [];
    /// <summary>The rows of the keys found (or scanned), Arrow IPC.</summary>
    [Id(2)] public byte[] Rows { get; init; } = [];
}

/// <summary>What a lookup needs of the query's trigger.</summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.LookupTarget")]
public sealed record LookupTarget
{
    /// <summary>The active run's plan, or null when the query is not active.</summary>
    [Id(0)] public string? PlanJson { get; init; }
    /// <summary>The last committed epoch, or -1.</summary>
    [Id(1)] public long LastCommitted { get; init; }
    /// <summary>Partitions per keyed stage as of the last committed epoch.</summary>
    [Id(2)] public IReadOnlyDictionary<int, int> StatePartitions { get; init; } = new Dictionary<int, int>();
    /// <summary>The query's key groups.</summary>
    [Id(3)] public int NumKeyGroups { get; init; }
}
