using Apache.Arrow;

namespace OrleansStream.Grains.Sources;

/// <summary>
/// A replayable streaming source as the epoch protocol sees it: offsets are opaque JSON strings that the trigger
/// writes ahead of work; reading a range again returns the same rows.
/// </summary>
internal interface ISourceConnector
{
    /// <summary>The schema of every batch <see cref="ReadAsync"/> returns.</summary>
    Schema Schema { get; }

    /// <summary>How many source tasks read one epoch of this source when it is planned (the offset log records it, so that a
    /// replay splits the epoch the same way on any machine).</summary>
    int NumPartitions { get; }

    /// <summary>Human-readable description for progress ("MemoryStream[value]", "RateSource[rowsPerSecond=10]").</summary>
    string Description { get; }

    /// <summary>
    /// The end offset of the next epoch after <paramref name="previousEnd"/>, or null when there is no new data.
    /// <paramref name="bound"/> (from <see cref="CaptureBoundAsync"/>) limits planning for Trigger.AvailableNow.
    /// </summary>
    Task<string?> PlanAsync(string? previousEnd, SourcePlanningState state, string? bound, CancellationToken cancellationToken);

    /// <summary>What is available now, as a bound for <see cref="PlanAsync"/>; null when the source cannot bound itself.</summary>
    Task<string?> CaptureBoundAsync(SourcePlanningState state, CancellationToken cancellationToken);

    /// <summary>Reads partition <paramref name="partition"/> of <paramref name="numPartitions"/> of (<paramref name="start"/>, <paramref name="end"/>].</summary>
    Task<IReadOnlyList<RecordBatch>> ReadAsync(string? start, string end, int partition, int numPartitions, CancellationToken cancellationToken);

    /// <summary>
    /// Reads partition <paramref name="partition"/> of <paramref name="numPartitions"/> of (<paramref name="start"/>, <paramref name="end"/>], decoding only the
    /// columns of <paramref name="columns"/> (a part of <see cref="Schema"/>, in its order) when the source can; a source that
    /// cannot returns batches of the whole <see cref="Schema"/>, which the pipeline runs as they are.
    /// </summary>
    Task<IReadOnlyList<RecordBatch>> ReadColumnsAsync(string? start, string end, int partition, int numPartitions, Schema columns, CancellationToken cancellationToken) =>
        ReadAsync(start, end, partition, numPartitions, cancellationToken);

    /// <summary>
    /// What the last <see cref="PlanAsync"/> left for later epochs because of the source's admission limit, as Spark's
    /// per-source progress metrics ("rowsBehindLatest", "filesBehindLatest"); empty when it took everything available.
    /// </summary>
    IReadOnlyDictionary<string, string> Backlog => NoBacklog;

    /// <summary>An empty <see cref="Backlog"/>.</summary>
    static readonly IReadOnlyDictionary<string, string> NoBacklog = new Dictionary<string, string>();

    /// <summary>A <see cref="Backlog"/> of one metric, empty when nothing is left behind.</summary>
    static IReadOnlyDictionary<string, string> BacklogOf(string metric, long behind) => behind <= 0 ? NoBacklog
        : new Dictionary<string, string> { [metric] = behind.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    /// <summary>Records in <paramref name="state"/> what the epoch ending at <paramref name="end"/> consumed (file sources remember files).</summary>
    void OnPlanned(string end, SourcePlanningState state) { }
}
