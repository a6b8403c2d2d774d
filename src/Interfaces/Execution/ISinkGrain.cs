using OrleansStream.Interfaces.Queries;

namespace OrleansStream.Interfaces.Execution;

/// <summary>One partition of a query's sink: stages an epoch's output and commits it idempotently.</summary>
[Alias("OrleansStream.ISinkGrain")]
public interface ISinkGrain : IGrainWithStringKey
{
    /// <summary>Stages the rows of source task <paramref name="taskIndex"/> for the epoch attempt. The caller must not change
    /// <paramref name="arrowIpc"/> afterwards: within a silo it is passed on without a copy.</summary>
    [Alias("Stage")] Task StageAsync(Guid attempt, long batchId, int taskIndex, [Immutable] byte[] arrowIpc, SinkSpec sink);
    /// <summary>Commits what was staged for the attempt; returns the files written (file sinks) or an empty list.</summary>
    /// <param name="expectedStages">How many stage calls the epoch's producers made here for the attempt.</param>
    /// <exception cref="StagedInputMissingException">Fewer were staged in this activation (it replaced the one they reached).</exception>
    [Alias("Commit")] Task<IReadOnlyList<string>> CommitAsync(Guid attempt, long batchId, int expectedStages, SinkSpec sink, IQueryObserver? observer, Guid queryId, Guid runId);
}

/// <summary>Where an epoch's output goes.</summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.SinkSpec")]
public sealed record SinkSpec
{
    [Id(0)] public required string Format { get; init; }
    [Id(1)] public required string OutputMode { get; init; }
    [Id(2)] public required IReadOnlyDictionary<string, string> Options { get; init; }
    [Id(3)] public string? QueryName { get; init; }
    [Id(4)] public required string OutputSchemaDdl { get; init; }
    /// <summary>True when the sink throws rows away (noop): producers then do not ship them.</summary>
    [Id(5)] public bool DiscardsRows { get; init; }
}
