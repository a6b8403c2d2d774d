using System.Globalization;
using Microsoft.Extensions.Logging;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Execution.Streaming;
using OrleansStream.Grains.Hosting;
using OrleansStream.Grains.Sources;
using OrleansStream.Grains.State;
using OrleansStream.Grains.Storage;
using OrleansStream.Interfaces.Execution;
using OrleansStream.Interfaces.Progress;
using OrleansStream.Interfaces.Queries;
using OrleansStream.Interfaces.Subscriptions;

namespace OrleansStream.Grains.Execution;

/// <summary>
/// The epoch coordinator's runtime port in grains: the trigger grain's persisted state, the query's source connectors,
/// and calls to source-task, state-partition and sink grains (DESIGN.md §4). Runs on the trigger grain's scheduler.
/// </summary>
internal sealed class GrainEpochRuntime(
    IGrainFactory grains,
    IPersistentState<TriggerState> state,
    TriggerRun run,
    PathResolver paths,
    OrleansStreamOptions options,
    CheckpointStoreHealth storageHealth,
    IEpochHooks hooks,
    ILogger logger,
    string queryKey,
    Action keepAlive) : IEpochRuntime
{
    private readonly Dictionary<string, IStreamSource> _connectors = run.Query.Sources.ToDictionary(s => s.Relation.SourceId, s => s.Connector);
    // The last attempt started at each epoch not committed yet: the one its commit record commits, which the subscriptions
    // publish (an earlier attempt's recorded output is not it).
    private readonly Dictionary<long, Guid> _attempts = new();
    /// <summary>The last progress report being written (off the trigger's turn).</summary>
    private Task<string> _written = Task.FromResult("");

    public IGrainFactory Grains => grains;
    public TriggerRun Run => run;
    public PathResolver Paths => paths;
    public OrleansStreamOptions Options => options;
    public IEpochHooks Hooks => hooks;
    public ILogger Logger => logger;
    public string QueryKey => queryKey;

    /// <summary>The query's shape as the coordinator sees it.</summary>
    public static EpochQuery QueryOf(CompiledQuery query) =>
        EpochQuery.From(query.Physical, query.Sink.OutputMode, query.Sources.Select(s => (s.Relation.SourceId, s.Connector.NumPartitions)), query.Sink.DiscardsRows)
            with { StaticLeaves = query.StaticSources.Select(s => s.Relation.SourceId).ToList() };

    /// <summary>The coordinator's options for a run: the query's trigger and options over the silo's defaults.</summary>
    public static EpochCoordinatorOptions OptionsOf(TriggerRun run, OrleansStreamOptions options)
    {
        var spec = run.Request.Spec;
        return new EpochCoordinatorOptions
        {
            Trigger = spec.Trigger.Kind switch
            {
                TriggerKind.Once => TriggerPolicy.Once,
                TriggerKind.AvailableNow => TriggerPolicy.AvailableNow,
                _ => TriggerPolicy.ProcessingTime(spec.Trigger.Interval),
            },
            Resumed = run.Resumed,
            WatermarkPolicy = spec.Options.GetValueOrDefault("multipleWatermarkPolicy", "min"),
            // Validated at compile for stateful queries; a stateless one ignores it.
            RequestedStatePartitions = spec.Options.TryGetValue("numStatePartitions", out var n) && int.TryParse(n, CultureInfo.InvariantCulture, out var count) ? count : null,
            StatePartitions = options.StatePartitions,
            NumKeyGroups = options.NumKeyGroups,
            MinBatchesToRetain = options.MinBatchesToRetain,
            PollingDelay = options.PollingDelay,
            PlanAhead = options.PlanAhead,
            WriteAheadGroup = options.WriteAheadGroup,
            NoDataProgressEventInterval = spec.Options.TryGetValue("noDataProgressEventInterval", out var interval) && long.TryParse(interval, CultureInfo.InvariantCulture, out var intervalMs)
                ? TimeSpan.FromMilliseconds(intervalMs) : TimeSpan.FromSeconds(10),
            EpochRetryDelay = options.EpochRetryDelay,
            EpochRetryMaxDelay = options.EpochRetryMaxDelay,
            EpochRetryBudget = options.EpochRetryBudget,
        };
    }

    public async Task SaveAsync(CheckpointRecords records, CancellationToken cancellationToken)
    {
        TriggerStateMapping.Apply(records, state.State);
        try
        {
            await state.WriteStateAsync();
        }
        catch (Orleans.Storage.InconsistentStateException)
        {
            run.Superseded = true;
            throw;
        }
    }

    public async Task<int> DefaultStatePartitionsAsync(CancellationToken cancellationToken) =>
        Math.Max(2, 2 * (await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count);

    public async Task<IReadOnlyDictionary<string, string?>> CaptureBoundsAsync(CancellationToken cancellationToken)
    {
        var round = new SourcePlanningRound();
        var bounds = new Dictionary<string, string?>();
        foreach (var (sourceId, connector) in _connectors)
            bounds[sourceId] = await connector.AvailableNowBoundAsync(PlanningState(sourceId), round, cancellationToken);
        return bounds;
    }

    public async Task<IReadOnlyDictionary<string, string?>> LatestOffsetsAsync(IReadOnlyList<SourceOffsetRequest> requests, CancellationToken cancellationToken)
    {
        // One round for all: sources that share a store (a session's memory streams) read it once, so they see one cut of it.
        var round = new SourcePlanningRound();
        var ends = new Dictionary<string, string?>();
        foreach (var request in requests)
        {
            var connector = _connectors[request.SourceId];
            ends[request.SourceId] = await connector.LatestOffsetAsync(request.PreviousEnd, PlanningState(request.SourceId), request.Bound, round, cancellationToken);
            WarnIfFallingBehind(connector);
        }
        return ends;
    }

    // Once a minute at most: a query that cannot keep up says so every epoch in its progress.
    private void WarnIfFallingBehind(IStreamSource connector)
    {
        if (connector.Backlog.Count == 0 || DateTimeOffset.UtcNow - run.LastBehindWarning < TimeSpan.FromMinutes(1)) return;
        run.LastBehindWarning = DateTimeOffset.UtcNow;
        TriggerLog.LogWarningFallingBehind(logger, queryKey, connector.Description, string.Join(", ", connector.Backlog.Select(m => $"{m.Key}={m.Value}")));
    }

    public async Task<IReadOnlyDictionary<string, string>> StaticVersionsAsync(CancellationToken cancellationToken)
    {
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (relation, connector) in run.Query.StaticSources)
            versions[relation.SourceId] = await connector.VersionAsync(cancellationToken);
        return versions;
    }

    public void OnPlanned(string sourceId, string end) => _connectors[sourceId].OnPlanned(end, PlanningState(sourceId));

    private SourcePlanningState PlanningState(string sourceId) =>
        state.State.Sources.TryGetValue(sourceId, out var s) ? s : state.State.Sources[sourceId] = new SourcePlanningState();

    public IEpochAttempt StartAttempt(OffsetLogRecord record, CheckpointRecords records)
    {
        var attempt = new GrainEpochAttempt(this, record, records);
        _attempts[record.BatchId] = attempt.Id;
        return attempt;
    }

    public Task WhenStateDurableAsync(OffsetLogRecord record, CancellationToken cancellationToken) =>
        Task.WhenAll(record.StatePartitions.SelectMany(op => Enumerable.Range(0, op.Value).Select(p =>
            grains.Reference<IStatePartitionGrain>(Exchange.PartitionKey(queryKey, op.Key, p)).WhenWrittenAsync(record.BatchId))));

    // A conflict on our own checkpoint means another activation of this query is running: that is never transient.
    public bool IsTransient(Exception exception) => exception is TimeoutException
        || (exception is OrleansException && exception is not Orleans.Storage.InconsistentStateException)
        || (exception is AggregateException { InnerExceptions: var inner } && inner.All(IsTransient));

    public void OnTrigger() => keepAlive();

    public void OnIdle()
    {
        if (run.Request.Observer is { } observer) _ = observer.OnIdle(run.Request.RunId);
    }

    public void OnProgress(EpochProgress progress)
    {
        // What the report reads that may change by the time it is written: the stall up to now, each source's backlog.
        var stallMs = storageHealth.StalledMsBetween(progress.TriggerStart, progress.End);
        var backlogs = new IReadOnlyDictionary<string, string>[run.Query.Sources.Count];
        for (var i = 0; i < backlogs.Length; i++) backlogs[i] = run.Query.Sources[i].Connector.Backlog;
        // Writing the report (Spark's object, its JSON) is off the trigger's turn: the next epoch runs meanwhile. The
        // reports are written one after the other (OffsetJson reads each offset once, in order) and handed out in order.
        var written = _written = _written.ContinueWith(_ => WrittenProgress.Write(ProgressReport.Of(progress, run, stallMs, backlogs)),
            CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        run.ProgressReported = ReportAsync(run.ProgressReported, written);
    }

    public Task WhenProgressReportedAsync(CancellationToken cancellationToken) => run.ProgressReported;

    // Continues on the trigger's turn (the grain's scheduler), after the previous report: the run's recent progress, the
    // observer and the catalog get each epoch's once, in order. Never faults: the run's end awaits it.
    private async Task ReportAsync(Task previous, Task<string> written)
    {
        await previous;
        string json;
        try
        {
            json = await written;
        }
        catch (Exception ex)
        {
            TriggerLog.LogErrorProgressNotWritten(logger, ex, queryKey);
            return;
        }
        // The client in this process takes the object the JSON was written from; one elsewhere reads the JSON.
        run.AddProgress(json, options.RecentProgressCount);
        if (run.Request.Observer is { } observer) _ = observer.OnProgress(run.Request.RunId, json);
        // One-way: the epoch never waits for the catalog, and a catalog that is down never fails the query.
        _ = grains.Reference<IQueryCatalogGrain>(IQueryCatalogGrain.ClusterKey).RunProgressAsync(run.Request.QueryId, run.Request.RunId, json);
    }

    public void OnReplaying(long batchId) => TriggerLog.LogInformationReplaying(logger, queryKey, batchId);

    public void OnRetrying(Exception exception, long batchId, int attempt) => TriggerLog.LogWarningRetrying(logger, exception, queryKey, batchId, attempt);

    public void OnCommitted(long batchId)
    {
        TriggerLog.LogInformationBatchCommitted(logger, queryKey, batchId);
        _attempts.Remove(batchId, out var attempt);
        _ = grains.Reference<ISubscriptionGrain>(queryKey).CommittedAsync(batchId, attempt, run.Query.Sink.OutputMode);
    }

    public void OnLeftUncommitted(Exception exception, long lastCommitted) => TriggerLog.LogWarningLeftUncommitted(logger, exception, queryKey, lastCommitted);

    public string SinkKey(int partition) => string.Create(CultureInfo.InvariantCulture, $"{queryKey}|{partition}");
}
