using System.Text.Json.Serialization;

namespace OrleansStream.Interfaces.Progress;

/// <summary>Spark's SinkProgress.</summary>
public sealed class SinkProgress
{
    /// <summary>What the sink is.</summary>
    [JsonPropertyName("description")] public string Description { get; init; } = "";
    /// <summary>Rows written in this epoch.</summary>
    [JsonPropertyName("numOutputRows")] public long NumOutputRows { get; init; }
}
