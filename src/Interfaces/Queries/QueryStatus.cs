namespace OrleansStream.Interfaces.Queries;

/// <summary>Spark's StreamingQueryStatus plus the lifecycle the client needs.</summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.QueryStatus")]
public sealed record QueryStatus
{
    /// <summary>What the query is doing, in Spark's words ("Waiting for data to arrive", "Processing new data", "Stopped").</summary>
    [Id(0)] public required string Message { get; init; }
    /// <summary>Whether new data is available at the sources.</summary>
    [Id(1)] public bool IsDataAvailable { get; init; }
    /// <summary>Whether an epoch is running.</summary>
    [Id(2)] public bool IsTriggerActive { get; init; }
    /// <summary>Whether the run is still active.</summary>
    [Id(3)] public bool IsActive { get; init; }
    /// <summary>The error that terminated the run, if it failed.</summary>
    [Id(4)] public string? Error { get; init; }
    /// <summary>The last committed epoch, or -1.</summary>
    [Id(5)] public long LastCommittedBatchId { get; init; } = -1;
    /// <summary>The silo that coordinates the query (its trigger grain's host), as "address:port".</summary>
    [Id(6)] public string? Silo { get; init; }
    /// <summary>Whether the cluster resumed the run by itself after the silo coordinating it died; starting the query again replaces such a run.</summary>
    [Id(7)] public bool Resumed { get; init; }
    /// <summary>When a processing-time trigger began waiting for its next tick, on the query's clock; null while it runs a
    /// round or waits otherwise. A test that drives the clock advances it only while the trigger waits at the current time.</summary>
    [Id(8)] public DateTimeOffset? TriggerWaitingAt { get; init; }

    /// <summary>Spark's StreamingQueryStatus JSON: message, isDataAvailable, isTriggerActive.</summary>
    public string Json => System.Text.Json.JsonSerializer.Serialize(new SparkStatus(Message, IsDataAvailable, IsTriggerActive));

    /// <summary>Spark's status JSON, as Spark's toString.</summary>
    public override string ToString() => Json;

    private sealed record SparkStatus(
        [property: System.Text.Json.Serialization.JsonPropertyName("message")] string Message,
        [property: System.Text.Json.Serialization.JsonPropertyName("isDataAvailable")] bool IsDataAvailable,
        [property: System.Text.Json.Serialization.JsonPropertyName("isTriggerActive")] bool IsTriggerActive);
}
