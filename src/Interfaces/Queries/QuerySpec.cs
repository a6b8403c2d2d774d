namespace OrleansStream.Interfaces.Queries;

/// <summary>Everything needed to run a streaming query: what the client sends to start it.</summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.QuerySpec")]
public sealed record QuerySpec
{
    /// <summary>The logical plan as written by the engine's plan serialiser (JSON).</summary>
    [Id(0)] public required string PlanJson { get; init; }
    /// <summary>Sink format: memory, console, json, csv, parquet, text, foreachBatch.</summary>
    [Id(1)] public required string SinkFormat { get; init; }
    /// <summary>append, update or complete.</summary>
    [Id(2)] public required string OutputMode { get; init; }
    /// <summary>The trigger.</summary>
    [Id(3)] public required TriggerSpec Trigger { get; init; }
    /// <summary>Writer options (path, checkpointLocation, numRows, truncate, ...), case-insensitive keys.</summary>
    [Id(4)] public required IReadOnlyDictionary<string, string> Options { get; init; }
    /// <summary>The query name, or null.</summary>
    [Id(5)] public string? QueryName { get; init; }
    /// <summary>The checkpoint location as given (relative to the data directory), which is also the query's grain key.</summary>
    [Id(6)] public required string CheckpointLocation { get; init; }
    /// <summary>The plan text as DataFrame.Explain prints it, kept by the query catalog for `queries explain`; null if not given.</summary>
    [Id(7)] public string? Explain { get; init; }
}
