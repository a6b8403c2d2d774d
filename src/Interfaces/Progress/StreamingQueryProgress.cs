using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansStream.Client;

/// <summary>
/// Spark's StreamingQueryProgress: what one epoch did. <see cref="Json"/> writes Spark's field names,
/// so dashboards and scripts written for Spark read it unchanged.
/// </summary>
public sealed class StreamingQueryProgress
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The query id, stable across restarts from the same checkpoint.</summary>
    [JsonPropertyName("id")] public Guid Id { get; init; }
    /// <summary>The id of this run.</summary>
    [JsonPropertyName("runId")] public Guid RunId { get; init; }
    /// <summary>The query name, or null.</summary>
    [JsonPropertyName("name")] public string? Name { get; init; }
    /// <summary>When the trigger started, ISO-8601 UTC.</summary>
    [JsonPropertyName("timestamp")] public string Timestamp { get; init; } = "";
    /// <summary>The epoch.</summary>
    [JsonPropertyName("batchId")] public long BatchId { get; init; }
    /// <summary>Wall time of the epoch in milliseconds.</summary>
    [JsonPropertyName("batchDuration")] public long BatchDuration { get; init; }
    /// <summary>Rows read from all sources in this epoch.</summary>
    [JsonPropertyName("numInputRows")] public long NumInputRows { get; init; }
    /// <summary>Input rate since the previous trigger.</summary>
    [JsonPropertyName("inputRowsPerSecond")] public double InputRowsPerSecond { get; init; }
    /// <summary>Processing rate of this epoch.</summary>
    [JsonPropertyName("processedRowsPerSecond")] public double ProcessedRowsPerSecond { get; init; }
    /// <summary>Time per phase: latestOffset, walCommit, addBatch, commitOffsets, triggerExecution, ...</summary>
    [JsonPropertyName("durationMs")] public Dictionary<string, long> DurationMs { get; init; } = new();
    /// <summary>Event-time statistics (min, max, avg, watermark) when the query has an event-time column.</summary>
    [JsonPropertyName("eventTime")] public Dictionary<string, string> EventTime { get; init; } = new();
    /// <summary>Per stateful operator statistics.</summary>
    [JsonPropertyName("stateOperators")] public List<StateOperatorProgress> StateOperators { get; init; } = new();
    /// <summary>Per source statistics.</summary>
    [JsonPropertyName("sources")] public List<SourceProgress> Sources { get; init; } = new();
    /// <summary>The sink.</summary>
    [JsonPropertyName("sink")] public SinkProgress Sink { get; init; } = new();

    /// <summary>Spark's progress JSON.</summary>
    [JsonIgnore] public string Json => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads progress JSON.</summary>
    public static StreamingQueryProgress FromJson(string json) =>
        JsonSerializer.Deserialize<StreamingQueryProgress>(json, JsonOptions) ?? throw new JsonException("empty progress");

    /// <inheritdoc />
    public override string ToString() => Json;
}

/// <summary>Spark's SourceProgress.</summary>
public sealed class SourceProgress
{
    /// <summary>What the source is.</summary>
    [JsonPropertyName("description")] public string Description { get; init; } = "";
    /// <summary>The offset the epoch started at (source-specific JSON), or null for the first epoch.</summary>
    [JsonPropertyName("startOffset")] public JsonElement? StartOffset { get; init; }
    /// <summary>The offset the epoch ended at.</summary>
    [JsonPropertyName("endOffset")] public JsonElement? EndOffset { get; init; }
    /// <summary>The latest offset seen at the source when the epoch was planned.</summary>
    [JsonPropertyName("latestOffset")] public JsonElement? LatestOffset { get; init; }
    /// <summary>Rows read from this source.</summary>
    [JsonPropertyName("numInputRows")] public long NumInputRows { get; init; }
    /// <summary>Input rate since the previous trigger.</summary>
    [JsonPropertyName("inputRowsPerSecond")] public double InputRowsPerSecond { get; init; }
    /// <summary>Processing rate of this epoch.</summary>
    [JsonPropertyName("processedRowsPerSecond")] public double ProcessedRowsPerSecond { get; init; }
    /// <summary>Source metrics (Spark's "metrics"): what the epoch's admission limit left for later ("rowsBehindLatest", "filesBehindLatest").</summary>
    [JsonPropertyName("metrics")] public Dictionary<string, string> Metrics { get; init; } = new();
}

/// <summary>Spark's SinkProgress.</summary>
public sealed class SinkProgress
{
    /// <summary>What the sink is.</summary>
    [JsonPropertyName("description")] public string Description { get; init; } = "";
    /// <summary>Rows written in this epoch.</summary>
    [JsonPropertyName("numOutputRows")] public long NumOutputRows { get; init; }
}

/// <summary>Spark's StateOperatorProgress.</summary>
public sealed class StateOperatorProgress
{
    /// <summary>The operator.</summary>
    [JsonPropertyName("operatorName")] public string OperatorName { get; init; } = "";
    /// <summary>Keys in state after the epoch.</summary>
    [JsonPropertyName("numRowsTotal")] public long NumRowsTotal { get; init; }
    /// <summary>Keys updated in the epoch.</summary>
    [JsonPropertyName("numRowsUpdated")] public long NumRowsUpdated { get; init; }
    /// <summary>Keys removed in the epoch.</summary>
    [JsonPropertyName("numRowsRemoved")] public long NumRowsRemoved { get; init; }
    /// <summary>Input rows dropped as late.</summary>
    [JsonPropertyName("numRowsDroppedByWatermark")] public long NumRowsDroppedByWatermark { get; init; }
    /// <summary>Memory used by state.</summary>
    [JsonPropertyName("memoryUsedBytes")] public long MemoryUsedBytes { get; init; }
    /// <summary>Time the epoch spent committing state: encoding this version, and waiting for the previous one's background write.</summary>
    [JsonPropertyName("commitTimeMs")] public long CommitTimeMs { get; init; }
    /// <summary>State partitions.</summary>
    [JsonPropertyName("numShufflePartitions")] public long NumShufflePartitions { get; init; }
    /// <summary>Operator-specific counters: stateBytesWritten (checkpoint bytes this epoch), snapshotsWritten, and
    /// backgroundWriteTimeMs (the slowest partition's write of the previous version, which ran while this epoch did).</summary>
    [JsonPropertyName("customMetrics")] public Dictionary<string, long> CustomMetrics { get; init; } = new();
}
