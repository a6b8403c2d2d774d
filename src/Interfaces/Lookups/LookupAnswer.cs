namespace OrleansStream.Interfaces.Lookups;

/// <summary>A lookup's answer, per state partition asked: which keys it was asked (indices into the request), which of them
/// it holds, and their rows (Arrow IPC, in key order).</summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.LookupAnswer")]
public sealed record LookupAnswer
{
    /// <summary>The committed epoch the answer is consistent with.</summary>
    [Id(0)] public required long BatchId { get; init; }
    /// <summary>Per partition: the key indices asked of it.</summary>
    [Id(1)] public required IReadOnlyList<int[]> Keys { get; init; }
    /// <summary>Per partition, per key asked: whether the state holds it.</summary>
    [Id(2)] public required IReadOnlyList<bool[]> Found { get; init; }
    /// <summary>Per partition: the rows of the keys found, in order (a scan: the rows).</summary>
    [Id(3)] public required IReadOnlyList<byte[]> Rows { get; init; }
}
