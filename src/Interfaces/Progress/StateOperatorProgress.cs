using System.Text.Json.Serialization;

namespace OrleansStream.Interfaces.Progress;

/// <summary>Spark's StateOperatorProgress (its JSON keys, in its order).</summary>
public sealed class StateOperatorProgress
{
    /// <summary>The operator.</summary>
    [JsonPropertyName("operatorName")] public string OperatorName { get; init; } = "";
    /// <summary>Keys in state after the epoch.</summary>
    [JsonPropertyName("numRowsTotal")] public long NumRowsTotal { get; init; }
    /// <summary>Keys updated in the epoch.</summary>
    [JsonPropertyName("numRowsUpdated")] public long NumRowsUpdated { get; init; }
    /// <summary>Time spent applying the epoch's input to state, summed over partitions (0 where an operator does not measure it).</summary>
    [JsonPropertyName("allUpdatesTimeMs")] public long AllUpdatesTimeMs { get; init; }
    /// <summary>Keys removed in the epoch.</summary>
    [JsonPropertyName("numRowsRemoved")] public long NumRowsRemoved { get; init; }
    /// <summary>Time spent removing state (eviction by the watermark), summed over partitions.</summary>
    [JsonPropertyName("allRemovalsTimeMs")] public long AllRemovalsTimeMs { get; init; }
    /// <summary>Time the epoch spent committing state: encoding this version, and waiting for the previous one's background write.</summary>
    [JsonPropertyName("commitTimeMs")] public long CommitTimeMs { get; init; }
    /// <summary>Memory used by state.</summary>
    [JsonPropertyName("memoryUsedBytes")] public long MemoryUsedBytes { get; init; }
    /// <summary>Input rows dropped as late.</summary>
    [JsonPropertyName("numRowsDroppedByWatermark")] public long NumRowsDroppedByWatermark { get; init; }
    /// <summary>State partitions.</summary>
    [JsonPropertyName("numShufflePartitions")] public long NumShufflePartitions { get; init; }
    /// <summary>State store instances (one per state partition).</summary>
    [JsonPropertyName("numStateStoreInstances")] public long NumStateStoreInstances { get; init; }
    /// <summary>Operator-specific counters: numDroppedDuplicateRows (deduplication), stateBytesWritten (checkpoint bytes this epoch),
    /// snapshotsWritten, and backgroundWriteTimeMs (the slowest partition's write of the previous version, which ran while this epoch did).</summary>
    [JsonPropertyName("customMetrics")] public Dictionary<string, long> CustomMetrics { get; init; } = new();
}
