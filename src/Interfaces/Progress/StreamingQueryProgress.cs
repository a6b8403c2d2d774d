using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

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
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { SparkShape } },
    };

    /// <summary>Spark leaves out of its progress JSON a rate that is NaN or infinite and a map that is empty (eventTime, metrics, customMetrics).</summary>
    private static void SparkShape(JsonTypeInfo type)
    {
        foreach (var property in type.Properties)
        {
            if (property.PropertyType == typeof(double)) property.ShouldSerialize = static (_, value) => double.IsFinite((double)value!);
            else if (typeof(IDictionary).IsAssignableFrom(property.PropertyType) && property.Name != "durationMs")
                property.ShouldSerialize = static (_, value) => value is IDictionary { Count: > 0 };
        }
    }

    /// <summary>The query id, stable across restarts from the same checkpoint.</summary>
    [JsonPropertyName("id")] public Guid Id { get; init; }
    /// <summary>The id of this run.</summary>
    [JsonPropertyName("runId")] public Guid RunId { get; init; }
    /// <summary>The query name, or null (written as <c>"name": null</c>, as Spark does).</summary>
    [JsonPropertyName("name"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Name { get; init; }
    /// <summary>When the trigger started, ISO-8601 UTC.</summary>
    [JsonPropertyName("timestamp")] public string Timestamp { get; init; } = "";
    /// <summary>The epoch.</summary>
    [JsonPropertyName("batchId")] public long BatchId { get; init; }
    /// <summary>Wall time of the epoch in milliseconds.</summary>
    [JsonPropertyName("batchDuration")] public long BatchDuration { get; init; }
    /// <summary>Rows read from all sources in this epoch.</summary>
    [JsonPropertyName("numInputRows")] public long NumInputRows { get; init; }
    /// <summary>Input rate since the previous trigger.</summary>
    [JsonPropertyName("inputRowsPerSecond")] public double InputRowsPerSecond { get; init; } = double.NaN;
    /// <summary>Processing rate of this epoch.</summary>
    [JsonPropertyName("processedRowsPerSecond")] public double ProcessedRowsPerSecond { get; init; } = double.NaN;
    /// <summary>Time per phase, keys sorted: addBatch, commitOffsets, getBatch, latestOffset, queryPlanning, triggerExecution, walCommit (an idle trigger: latestOffset, triggerExecution), and checkpointStorageStall</summary>
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
