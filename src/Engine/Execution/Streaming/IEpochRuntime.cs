namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>
/// The coordinator's port to the world (DESIGN.md §4): the host plans sources, persists the checkpoint records, runs an
/// epoch's tasks, partitions and sinks, waits for durable state and hears about progress. A grain implements it with grain
/// calls; tests with a fake that crashes at any step.
/// </summary>
public interface IEpochRuntime
{
    /// <summary>Persists the records in one conditional write: a new offset record is the write-ahead, new commit records the commit log.</summary>
    Task SaveAsync(CheckpointRecords records, CancellationToken cancellationToken);

    /// <summary>State partitions per operator for a query that sets none and whose configuration sets none (sized to the cluster).</summary>
    Task<int> DefaultStatePartitionsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// What each source of the query has available now, as a bound for planning (Trigger.AvailableNow), per source id (null
    /// when a source cannot bound itself); all sources in one consistent step.
    /// </summary>
    Task<IReadOnlyDictionary<string, string?>> CaptureBoundsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The end offset of each requested source's next epoch, per source id (null when it has no new data). All sources of the
    /// query are asked in one consistent step (DESIGN.md §5): data written to several sources at once is seen by all or none.
    /// </summary>
    Task<IReadOnlyDictionary<string, string?>> LatestOffsetsAsync(IReadOnlyList<SourceOffsetRequest> requests, CancellationToken cancellationToken);

    /// <summary>
    /// The version of each of the query's static leaves (<see cref="EpochQuery.StaticLeaves"/>) now, per leaf id: what an epoch
    /// planned now reads them at (written ahead with its offsets).
    /// </summary>
    Task<IReadOnlyDictionary<string, string>> StaticVersionsAsync(CancellationToken cancellationToken);

    /// <summary>Records in the source's planning state what the epoch ending at <paramref name="end"/> consumed (saved with the write-ahead).</summary>
    void OnPlanned(string sourceId, string end);

    /// <summary>Starts one attempt at running an epoch written ahead as <paramref name="record"/>.</summary>
    IEpochAttempt StartAttempt(OffsetLogRecord record, CheckpointRecords records);

    /// <summary>Returns once every state partition has made its version of <paramref name="record"/>'s epoch durable.</summary>
    Task WhenStateDurableAsync(OffsetLogRecord record, CancellationToken cancellationToken);

    /// <summary>Whether a failure is the infrastructure's (a host died, a call timed out): the epoch is retried.</summary>
    bool IsTransient(Exception exception);

    /// <summary>A planning round begins.</summary>
    void OnTrigger();

    /// <summary>The query went idle (once per idle stretch).</summary>
    void OnIdle();

    /// <summary>An epoch's (or an idle trigger's) progress, in order. The host may report it after this returns (written off
    /// the coordinator's turn, so that the next epoch need not wait for it): <see cref="WhenProgressReportedAsync"/>.</summary>
    void OnProgress(EpochProgress progress);

    /// <summary>Returns once every progress passed to <see cref="OnProgress"/> so far has been reported: a round counts as
    /// idle only then, so that processAllAvailable finds the progress of every epoch it waited for.</summary>
    Task WhenProgressReportedAsync(CancellationToken cancellationToken);

    void OnReplaying(long batchId);

    void OnRetrying(Exception exception, long batchId, int attempt);

    void OnCommitted(long batchId);

    void OnLeftUncommitted(Exception exception, long lastCommitted);
}
