using Apache.Arrow;

namespace OrleansStream.Engine.Connectors;

/// <summary>
/// A replayable streaming source as the epoch protocol drives it. Offsets travel as JSON text (the offset log records
/// them ahead of any work); reading a range again returns the same rows. Implement it through
/// <see cref="StreamSource{TOffset}"/>, which gives the offsets a type.
/// </summary>
public interface IStreamSource
{
    /// <summary>The schema of every batch a read yields when all columns are asked for.</summary>
    Schema Schema { get; }

    /// <summary>
    /// The partition plan: how many source tasks read one epoch (the offset log records it, so that a replay splits the
    /// epoch the same way on any machine).
    /// </summary>
    int NumPartitions { get; }

    /// <summary>Human-readable description for progress ("MemoryStream[value]", "RateSource[rowsPerSecond=10]").</summary>
    string Description { get; }

    /// <summary>
    /// Checks, before a query starts, what only the system behind the source can tell (a server that does not answer, a stream
    /// that does not exist); throws naming the option, so that the query is refused at start. The default checks nothing.
    /// </summary>
    Task ValidateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// What the last <see cref="LatestOffsetAsync(string?, ISourcePlanningState, string?, SourcePlanningRound, CancellationToken)"/> left for later epochs because of the source's admission limit, as
    /// Spark's per-source progress metrics ("rowsBehindLatest", "filesBehindLatest"); empty when it took all.
    /// </summary>
    IReadOnlyDictionary<string, string> Backlog { get; }

    /// <summary>
    /// The end offset of the next epoch after <paramref name="previousEnd"/>, or null when there is no new data.
    /// <paramref name="bound"/> (from <see cref="AvailableNowBoundAsync(ISourcePlanningState, SourcePlanningRound, CancellationToken)"/>)
    /// limits planning for Trigger.AvailableNow. Every source of a query is asked in the same <paramref name="round"/>.
    /// </summary>
    Task<string?> LatestOffsetAsync(string? previousEnd, ISourcePlanningState state, string? bound, SourcePlanningRound round, CancellationToken cancellationToken);

    /// <summary>The end offset of the next epoch after <paramref name="previousEnd"/>, asked in a planning round of its own.</summary>
    Task<string?> LatestOffsetAsync(string? previousEnd, ISourcePlanningState state, string? bound, CancellationToken cancellationToken) =>
        LatestOffsetAsync(previousEnd, state, bound, new SourcePlanningRound(), cancellationToken);

    /// <summary>
    /// What is available now, as a bound for <see cref="LatestOffsetAsync(string?, ISourcePlanningState, string?, SourcePlanningRound, CancellationToken)"/>;
    /// null when the source cannot bound itself. Every source of a query captures its bound in the same <paramref name="round"/>.
    /// </summary>
    Task<string?> AvailableNowBoundAsync(ISourcePlanningState state, SourcePlanningRound round, CancellationToken cancellationToken);

    /// <summary>What is available now, captured in a planning round of its own.</summary>
    Task<string?> AvailableNowBoundAsync(ISourcePlanningState state, CancellationToken cancellationToken) =>
        AvailableNowBoundAsync(state, new SourcePlanningRound(), cancellationToken);

    /// <summary>Records that the epoch ending at <paramref name="end"/> was planned (before its offsets are written ahead).</summary>
    void OnPlanned(string end, ISourcePlanningState state);

    /// <summary>
    /// Reads <paramref name="partition"/> of (<paramref name="start"/>, <paramref name="end"/>], yielding Arrow batches as
    /// they are decoded; only the columns of <paramref name="columns"/> (a part of <see cref="Schema"/>, in its order) when
    /// the source can, whole batches of <see cref="Schema"/> otherwise (the pipeline runs them as they are).
    /// </summary>
    IAsyncEnumerable<RecordBatch> ReadAsync(string? start, string end, SourcePartition partition, Schema columns, CancellationToken cancellationToken);
}
