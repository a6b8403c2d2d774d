namespace OrleansStream.Interfaces.Batch;

/// <summary>
/// What analysing a plan on the cluster gives: its output schema, or the analysis error's message. An analysis error is
/// an answer, not a failure of the call, so that the client can raise it as Spark's AnalysisException with the same text.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.AnalysisResult")]
public sealed record AnalysisResult
{
    /// <summary>The output schema as Arrow IPC stream bytes (a stream of no batches), or null when analysis failed.</summary>
    [Id(0)] public byte[]? SchemaIpc { get; init; }

    /// <summary>The analysis error's message (Spark's error text), or null when the plan resolved.</summary>
    [Id(1)] public string? Error { get; init; }
}
