namespace OrleansStream.Interfaces.Lookups;

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
