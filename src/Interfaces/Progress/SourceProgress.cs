using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansStream.Interfaces.Progress;

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
    /// <summary>Input rate since the previous trigger (NaN, and left out of the JSON, when unknown, as in Spark).</summary>
    [JsonPropertyName("inputRowsPerSecond")] public double InputRowsPerSecond { get; init; } = double.NaN;
    /// <summary>Processing rate of this epoch.</summary>
    [JsonPropertyName("processedRowsPerSecond")] public double ProcessedRowsPerSecond { get; init; } = double.NaN;
    /// <summary>Source metrics (Spark's "metrics"): what the epoch's admission limit left for later ("rowsBehindLatest", "filesBehindLatest").</summary>
    [JsonPropertyName("metrics")] public Dictionary<string, string> Metrics { get; init; } = new();
}
