using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansStream.Interfaces.Progress;

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
