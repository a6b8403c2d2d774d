namespace OrleansStream.Interfaces.Lookups;

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
