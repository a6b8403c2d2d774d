namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>offsets[e]: what epoch e reads and with which time, decided and written ahead before any work (DESIGN.md §5).</summary>
public sealed record OffsetLogRecord
{
    public required long BatchId { get; init; }
    /// <summary>Per source id: the offset the epoch starts after (null: from the beginning).</summary>
    public required IReadOnlyDictionary<string, string?> Start { get; init; }
    /// <summary>Per source id: the offset the epoch ends at.</summary>
    public required IReadOnlyDictionary<string, string?> End { get; init; }
    /// <summary>current_timestamp() in this epoch (ms since the Unix epoch).</summary>
    public required long BatchTimestampMs { get; init; }
    /// <summary>The watermark in force in this epoch (ms).</summary>
    public long WatermarkMs { get; init; }
    /// <summary>The watermark of the previous epoch: input at or below it is late.</summary>
    public long LateWatermarkMs { get; init; }
    /// <summary>State partitions per keyed stage id in this epoch.</summary>
    public IReadOnlyDictionary<int, int> StatePartitions { get; init; } = new Dictionary<int, int>();
    /// <summary>Per source id: how many source tasks read this epoch (recorded so that a replay splits it the same way).</summary>
    public IReadOnlyDictionary<string, int> SourcePartitions { get; init; } = new Dictionary<string, int>();
    /// <summary>
    /// Per static leaf id (a batch relation read by the streaming query): the version the epoch reads it at, taken when the
    /// epoch was planned, so that a replay reads the same rows (see <see cref="Connectors.IStaticSource"/>).
    /// </summary>
    public IReadOnlyDictionary<string, string> StaticVersions { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether two records decide the same epoch (the dictionaries compared by content).</summary>
    public bool SameAs(OffsetLogRecord other) =>
        BatchId == other.BatchId && BatchTimestampMs == other.BatchTimestampMs && WatermarkMs == other.WatermarkMs
        && LateWatermarkMs == other.LateWatermarkMs && Same(Start, other.Start) && Same(End, other.End)
        && Same(StatePartitions, other.StatePartitions) && Same(SourcePartitions, other.SourcePartitions)
        && Same(StaticVersions, other.StaticVersions);

    private static bool Same<TKey, TValue>(IReadOnlyDictionary<TKey, TValue> a, IReadOnlyDictionary<TKey, TValue> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && EqualityComparer<TValue>.Default.Equals(kv.Value, v));
}
