using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansStream.Client;
using OrleansStream.Engine.Sinks;
using OrleansStream.Grains.Hosting;
using OrleansStream.Grains.Sinks;
using OrleansStream.Grains.Sources;
using OrleansStream.Grains.State;
using OrleansStream.Grains.Storage;
using OrleansStream.Interfaces.Execution;
using OrleansStream.Interfaces.Queries;

namespace OrleansStream.Grains.Execution;

/// <summary>
/// Drives the epochs of one query (DESIGN.md §4): plan, write ahead, run, commit sink, commit log.
/// A stateful epoch's state versions are written while the next epoch runs, so its commit record waits for them: it is
/// written with the next write-ahead once every partition has answered the next epoch (which they do only once their
/// previous version is durable), or alone when the query goes idle, waits for its next trigger or stops.
/// Reentrant so that status, stop and processAllAvailable calls interleave with the epoch loop; the loop itself is
/// one logical flow on the grain's scheduler, so its fields need no locks.
/// </summary>
[Reentrant]
internal sealed partial class TriggerGrain(
    [PersistentState("trigger", OrleansStreamSiloBuilderExtensions.CheckpointStorageName)] IPersistentState<TriggerState> state,
    SourceConnectorFactory connectors,
    PathResolver paths,
    TimeProvider time,
    IOptions<OrleansStreamOptions> options,
    ILocalSiloDetails silo,
    CheckpointStoreHealth storageHealth,
    ILogger<TriggerGrain> logger) : Grain, ITriggerGrain
{
    private readonly OrleansStreamOptions _options = options.Value;
    private TriggerRun? _run;
    private RunRequest? _pendingResume;

    private string QueryKey => this.GetPrimaryKeyString();

    private bool _deactivating;

    public async Task StartRunAsync(RunRequest request)
    {
        // A run the cluster resumed by itself (its client is gone) is taken over by a new start; a run that an activation
        // would resume but has not yet begun is simply replaced, so that the new run does all the work and reports it.
        _pendingResume = null;
        if (_run is { IsActive: true, Resumed: true } resumed)
        {
            resumed.RequestStop(byCaller: true);
            await resumed.Loop!;
        }
        if (_run is { IsActive: true })
            throw new InvalidOperationException($"Cannot start query with id {request.QueryId} as another query with same id is already active. Perhaps you are attempting to restart a query from checkpoint '{request.Spec.CheckpointLocation}' that is already active.");
        var compiled = CompiledQuery.Compile(request.Spec, connectors, paths);
        state.State.ActiveRun = request;
        await state.WriteStateAsync();
        Begin(new TriggerRun(request, compiled));
    }

    // The run outlives this activation: if the silo dies or Orleans moves the grain, the next activation resumes it from
    // the checkpoint (re-running a written-ahead epoch) as soon as anything but a new start calls the query.
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _pendingResume = state.State.ActiveRun;
        return Task.CompletedTask;
    }

    private async Task ResumePendingRunAsync()
    {
        if (_pendingResume is not { } request) return;
        _pendingResume = null;
        LogWarningResuming(logger, QueryKey, request.RunId);
        CompiledQuery compiled;
        try
        {
            compiled = CompiledQuery.Compile(request.Spec, connectors, paths);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or NotSupportedException or Engine.AnalysisException or IOException)
        {
            // The query can no longer start here (its source vanished, the silo's roots changed): end the run, keep the grain usable.
            LogErrorQueryFailed(logger, ex, QueryKey, request.RunId);
            state.State.ActiveRun = null;
            await state.WriteStateAsync();
            return;
        }
        Begin(new TriggerRun(request, compiled) { Resumed = true });
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Not a stop: the run continues in the next activation, so do not report it terminated.
        _deactivating = true;
        _run?.RequestStop();
        return Task.CompletedTask;
    }

    private void Begin(TriggerRun run)
    {
        _run = run;
        run.Loop = RunLoopAsync(run);
    }

    // Key groups are fixed at a query's first start; the partition count may change between runs (rescaling).
    private async Task PrepareStateAsync(TriggerRun run)
    {
        state.State.WatermarkPolicy ??= run.Request.Spec.Options.GetValueOrDefault("multipleWatermarkPolicy", "min").ToLowerInvariant();
        if (run.Query.IsFileSink) new FileSinkLog(run.Query.Sink.OutputPath()).RemoveStaleTempFiles(time.GetUtcNow().UtcDateTime);
        if (!run.Query.Physical.IsStateful) return;
        if (state.State.NumKeyGroups == 0) state.State.NumKeyGroups = _options.NumKeyGroups;
        if (run.Request.Spec.Options.TryGetValue("numStatePartitions", out var n)) run.StatePartitions = int.Parse(n, CultureInfo.InvariantCulture);
        // A run resumed after its coordinator moved keeps its partition count: the silos alive at this moment (one fewer
        // after a kill) must not rescale the state of a running query.
        else if (run.Resumed && state.State.Offsets.Values.LastOrDefault()?.StatePartitions.Values.FirstOrDefault() is > 0 and var running) run.StatePartitions = running;
        else if (_options.StatePartitions > 0) run.StatePartitions = _options.StatePartitions;
        else run.StatePartitions = Math.Max(2, 2 * (await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count);
    }

    public async Task StopRunAsync()
    {
        await ResumePendingRunAsync();
        if (_run is not { } run) return;
        run.RequestStop(byCaller: true);
        await run.Loop!;
    }

    public async Task<QueryStatus> GetStatusAsync()
    {
        await ResumePendingRunAsync();
        var status = (_run?.Status(state.State.LastCommitted)
            ?? new QueryStatus { Message = "Stopped", LastCommittedBatchId = state.State.LastCommitted }) with { Silo = silo.SiloAddress.Endpoint.ToString() };
        // No progress is reported while checkpoint storage does not answer: the status is the live signal.
        return status.IsActive && storageHealth.CurrentStallStarted is { } stalled
            ? status with { Message = $"Waiting for checkpoint storage (stalled {(time.GetUtcNow() - stalled).TotalSeconds:F0} s)" }
            : status;
    }

    public async Task<IReadOnlyList<string>> GetRecentProgressAsync()
    {
        await ResumePendingRunAsync();
        return _run?.Progress.ToList() ?? [];
    }

    public async Task<long> MarkAvailableAsync()
    {
        await ResumePendingRunAsync();
        if (_run is not { } run) return 0L;
        var ticket = run.PlanRound + 1;
        if (run.Request.Spec.Trigger.Interval == TimeSpan.Zero) run.Poke();
        return ticket;
    }

    public async Task<bool> WaitForTicketAsync(long ticket, TimeSpan maxWait)
    {
        await ResumePendingRunAsync();
        if (_run is not { } run) return true;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (run.Error is { } error) throw new StreamingQueryException(error);
            if (!run.IsActive || run.LastIdleRound >= ticket) return true;
            var remaining = maxWait - deadline.Elapsed;
            if (remaining <= TimeSpan.Zero) return false;
            await Task.WhenAny(run.RoundCompleted, Task.Delay(remaining));
        }
    }

    private async Task RunLoopAsync(TriggerRun run)
    {
        await Task.Yield();
        try
        {
            await PrepareStateAsync(run);
            run.LastRun = run.DurableThrough = state.State.LastCommitted;
            await RecoverAsync(run);
            run.Bounds = run.Request.Spec.Trigger.Kind == TriggerKind.AvailableNow ? await CaptureBoundsAsync(run) : null;
            while (!run.StopRequested)
            {
                DelayDeactivation(TimeSpan.FromMinutes(30));
                var triggerStart = time.GetUtcNow();
                var record = await PlanAsync(run, triggerStart);
                if (record is null)
                {
                    // Before the round counts as idle: processAllAvailable and the status must find every epoch run committed.
                    await CommitWithRetriesAsync(run);
                    if (!run.WasIdle && run.Request.Observer is { } observer) _ = observer.OnIdle(run.Request.RunId);
                    run.CompleteRound(idle: true);
                    if (run.Request.Spec.Trigger.Kind != TriggerKind.ProcessingTime) break;
                    await run.WaitAsync(run.Request.Spec.Trigger.Interval == TimeSpan.Zero ? _options.PollingDelay : NextTriggerDelay(run), time, realTime: run.Request.Spec.Trigger.Interval == TimeSpan.Zero);
                    continue;
                }
                await ExecuteWithRetriesAsync(run, record, triggerStart);
                run.CompleteRound(idle: false);
                if (run.Request.Spec.Trigger.Kind == TriggerKind.Once) break;
                if (run.Request.Spec.Trigger is { Kind: TriggerKind.ProcessingTime, Interval: var interval } && interval > TimeSpan.Zero)
                {
                    await CommitWithRetriesAsync(run);
                    await run.WaitAsync(NextTriggerDelay(run), time, realTime: false);
                }
            }
            await CommitAtStopAsync(run);
            await TerminateAsync(run, null);
        }
        catch (Exception ex) when (_deactivating)
        {
            LogWarningMoved(logger, ex, QueryKey, run.Request.RunId);
            run.Terminate(ex);
        }
        catch (Exception ex)
        {
            LogErrorQueryFailed(logger, ex, QueryKey, run.Request.RunId);
            await TerminateAsync(run, ex);
        }
    }

    // Spark aligns processing-time triggers to multiples of the interval.
    private TimeSpan NextTriggerDelay(TriggerRun run)
    {
        var intervalMs = (long)run.Request.Spec.Trigger.Interval.TotalMilliseconds;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var next = (now / intervalMs + 1) * intervalMs;
        return TimeSpan.FromMilliseconds(next - now);
    }

    /// <summary>An epoch written ahead but not committed is re-run with exactly its recorded offsets and timestamp.</summary>
    private async Task RecoverAsync(TriggerRun run)
    {
        var pending = state.State.Offsets.Values.Where(o => o.BatchId > state.State.LastCommitted).OrderBy(o => o.BatchId).ToList();
        foreach (var record in pending)
        {
            LogInformationReplaying(logger, QueryKey, record.BatchId);
            await ExecuteWithRetriesAsync(run, record, time.GetUtcNow());
        }
    }

    private async Task<Dictionary<string, string?>> CaptureBoundsAsync(TriggerRun run)
    {
        var bounds = new Dictionary<string, string?>();
        foreach (var (relation, connector) in run.Query.Sources)
            bounds[relation.SourceId] = await connector.CaptureBoundAsync(PlanningState(relation.SourceId), CancellationToken.None);
        return bounds;
    }

    private async Task<OffsetRecord?> PlanAsync(TriggerRun run, DateTimeOffset triggerStart)
    {
        run.StartRound();
        var watch = Stopwatch.StartNew();
        var batchId = run.LastRun + 1;
        // A written-ahead epoch is re-run with exactly its recorded offsets, never planned afresh: its sources already
        // recorded what it consumed (a file source would skip its files for good).
        if (state.State.Offsets.GetValueOrDefault(batchId) is { } writtenAhead)
        {
            LogInformationReplaying(logger, QueryKey, batchId);
            run.IsDataAvailable = true;
            return writtenAhead;
        }
        var previous = state.State.Offsets.GetValueOrDefault(batchId - 1);
        var start = new Dictionary<string, string?>();
        var end = new Dictionary<string, string?>();
        var hasData = false;
        foreach (var (relation, connector) in run.Query.Sources)
        {
            var from = previous?.End.GetValueOrDefault(relation.SourceId);
            var bound = run.Bounds?.GetValueOrDefault(relation.SourceId);
            var to = await connector.PlanAsync(from, PlanningState(relation.SourceId), bound, CancellationToken.None);
            start[relation.SourceId] = from;
            end[relation.SourceId] = to ?? from;
            hasData |= to is not null;
        }
        run.LatestOffsetMs = ProgressReport.Milliseconds(watch);
        run.IsDataAvailable = hasData;
        WarnIfFallingBehind(run);
        var watermark = CommitOf(run, batchId - 1)?.NextWatermarkMs ?? 0;
        if (!hasData && !NoDataEpochDue(run, previous, watermark)) return null;

        var record = new OffsetRecord
        {
            BatchId = batchId,
            Start = start,
            End = end,
            BatchTimestampMs = triggerStart.ToUnixTimeMilliseconds(),
            WatermarkMs = watermark,
            LateWatermarkMs = previous?.WatermarkMs ?? 0,
            StatePartitions = run.Query.Physical.StatefulOperators.ToDictionary(op => op.Id, _ => run.StatePartitions),
            SourcePartitions = run.Query.Sources.ToDictionary(s => s.Relation.SourceId, s => s.Connector.NumPartitions),
        };
        foreach (var (relation, connector) in run.Query.Sources)
            if (end[relation.SourceId] is { } to && to != start[relation.SourceId]) connector.OnPlanned(to, PlanningState(relation.SourceId));

        // Write-ahead: the epoch's offsets are durable before any source task reads a row. The same write commits the
        // epochs whose state has become durable since the last one.
        watch.Restart();
        state.State.Offsets[batchId] = record;
        await WriteStateAsync(run);
        run.WalCommitMs = ProgressReport.Milliseconds(watch);
        return record;
    }

    // Once a minute at most: a query that cannot keep up says so every epoch in its progress.
    private void WarnIfFallingBehind(TriggerRun run)
    {
        if (run.Query.Sources.FirstOrDefault(s => s.Connector.Backlog.Count > 0) is not { Connector: { } behind }) return;
        var now = time.GetUtcNow();
        if (now - run.LastBehindWarning < TimeSpan.FromMinutes(1)) return;
        run.LastBehindWarning = now;
        LogWarningFallingBehind(logger, QueryKey, behind.Description, string.Join(", ", behind.Backlog.Select(m => $"{m.Key}={m.Value}")));
    }

    // Spark runs an epoch without new data when the watermark moved and a stateful operator must emit or evict by it.
    private static bool NoDataEpochDue(TriggerRun run, OffsetRecord? previous, long watermark) =>
        previous is not null && watermark > previous.WatermarkMs
        && run.Query.Physical.StatefulOperators.Any(op => op.UsesWatermark && (run.Query.Sink.OutputMode != "complete" || op is not Engine.Planning.AggregationOperatorSpec));

    private SourcePlanningState PlanningState(string sourceId) =>
        state.State.Sources.TryGetValue(sourceId, out var s) ? s : state.State.Sources[sourceId] = new SourcePlanningState();

    /// <summary>
    /// Runs an epoch, and runs it again from its offset record when a grain call failed for infrastructure reasons: a
    /// dead silo's grains reactivate elsewhere and reload the last committed state, so the re-run is exactly-once. The
    /// epochs run before it but not committed are run again first, since the failure may have lost their state too.
    /// </summary>
    private Task ExecuteWithRetriesAsync(TriggerRun run, OffsetRecord record, DateTimeOffset triggerStart) =>
        WithRetriesAsync(run, record.BatchId, async attempt =>
        {
            if (attempt > 1) await RerunUncommittedAsync(run, record.BatchId);
            // Partitions change count only by reloading, and they can load only a committed version.
            if (RescalesState(record)) await CommitRunEpochsAsync(run);
            await ExecuteAsync(run, record, triggerStart);
        });

    /// <summary>
    /// Runs <paramref name="step"/> until it succeeds, again after each transient failure (a silo died, a call timed out,
    /// an activation was replaced), with a growing pause, for as long as the retry budget lasts: it outlasts Orleans'
    /// failure detection, so that a dead silo's grains have been re-placed before it runs out.
    /// </summary>
    private async Task WithRetriesAsync(TriggerRun run, long batchId, Func<int, Task> step)
    {
        var started = Stopwatch.StartNew();
        var delay = _options.EpochRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await step(attempt);
                return;
            }
            catch (Exception ex) when (IsTransient(ex) && !run.StopRequested)
            {
                if (started.Elapsed + delay > _options.EpochRetryBudget)
                    throw new EpochFailedException($"Batch {batchId} failed {attempt} times over {started.Elapsed.TotalSeconds:F0} s (the retry budget, OrleansStream__EpochRetryBudget, is {_options.EpochRetryBudget}); the last failure: {Innermost(ex).Message}", ex);
                LogWarningRetrying(logger, ex, QueryKey, batchId, attempt);
                run.IsTriggerActive = false;
                await Task.Delay(delay);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.EpochRetryMaxDelay.Ticks));
            }
        }
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex is AggregateException { InnerException: { } inner }) ex = inner;
        return ex;
    }

    // A conflict on our own checkpoint means another activation of this query is running: that is never transient.
    private static bool IsTransient(Exception ex) => ex is TimeoutException
        || (ex is OrleansException && ex is not Orleans.Storage.InconsistentStateException)
        || (ex is AggregateException { InnerExceptions: var inner } && inner.All(IsTransient));

    private async Task ExecuteAsync(TriggerRun run, OffsetRecord record, DateTimeOffset triggerStart)
    {
        var watch = Stopwatch.StartNew();
        run.IsTriggerActive = true;
        var attempt = Guid.NewGuid();
        var query = run.Query;
        var sinkKeys = new SortedSet<string>(StringComparer.Ordinal) { SinkKey(0) };
        var work = new List<(string SourceId, Task<SourceTaskResult> Result)>();
        var taskIndex = 0;
        foreach (var (relation, connector) in query.Sources)
        {
            var from = record.Start.GetValueOrDefault(relation.SourceId);
            var to = record.End.GetValueOrDefault(relation.SourceId);
            if (to is null || to == from) continue;
            // Records written before the count was recorded were planned with the connector's count.
            var partitions = record.SourcePartitions.GetValueOrDefault(relation.SourceId, connector.NumPartitions);
            for (var partition = 0; partition < partitions; partition++, taskIndex++)
            {
                var sinkKey = SinkKey(query.IsFileSink ? taskIndex : 0);
                sinkKeys.Add(sinkKey);
                var task = new SourceTask
                {
                    QueryKey = QueryKey, Attempt = attempt, PlanJson = run.Request.Spec.PlanJson, SourceId = relation.SourceId,
                    Partition = partition, NumPartitions = partitions, StartOffset = from, EndOffset = to,
                    BatchId = record.BatchId, BatchTimestampMicros = record.BatchTimestampMs * 1000, TaskIndex = taskIndex,
                    SinkKey = sinkKey, Sink = query.Sink,
                    StatePartitions = query.Physical.IsStateful ? record.StatePartitions[0] : 0, NumKeyGroups = state.State.NumKeyGroups,
                };
                work.Add((relation.SourceId, GrainFactory.GetGrain<ISourceTaskGrain>($"{QueryKey}|{relation.SourceId}|{partition}").RunAsync(task)));
            }
        }
        await Task.WhenAll(work.Select(w => w.Result));
        var deliveries = Deliveries(work.Select(w => w.Result.Result.Deliveries));
        var operators = await RunStatefulOperatorsAsync(run, record, attempt, sinkKeys, deliveries);
        // Each partition answered only once its version of the previous epoch was durable.
        if (query.Physical.IsStateful) run.DurableThrough = Math.Max(run.DurableThrough, record.BatchId - 1);
        if (operators.Count > 0) deliveries = Deliveries(operators[^1].Results.Select(r => r.Deliveries));
        var files = await Task.WhenAll(sinkKeys.Select(k => GrainFactory.GetGrain<ISinkGrain>(k)
            .CommitAsync(attempt, record.BatchId, deliveries.GetValueOrDefault(k), query.Sink, run.Request.Observer, run.Request.QueryId, run.Request.RunId)));
        await HangIfAskedAsync(record.BatchId, afterSinkLog: false);
        if (query.IsFileSink) CommitFileSink(run, record.BatchId, files.SelectMany(f => f).Order(StringComparer.Ordinal).ToList());
        await HangIfAskedAsync(record.BatchId, afterSinkLog: true);
        var addBatchMs = ProgressReport.Milliseconds(watch);

        watch.Restart();
        var eventTime = EventTimeOf(work.Select(w => w.Result.Result));
        run.Uncommitted.Add(new CommitRecord(record.BatchId, NextWatermark(query, record, eventTime)));
        run.LastRun = record.BatchId;
        // Without state the epoch is durable once its sink committed; a stateful one's commit waits for its state.
        if (!query.Physical.IsStateful)
        {
            run.DurableThrough = record.BatchId;
            await WriteStateAsync(run);
        }
        var commitMs = ProgressReport.Milliseconds(watch);
        run.IsTriggerActive = false;

        var perSource = work.GroupBy(w => w.SourceId).ToDictionary(g => g.Key, g => g.Sum(w => w.Result.Result.InputRows));
        var outputRows = query.Physical.IsStateful ? operators[^1].Results.Sum(r => r.OutputRows) : work.Sum(w => w.Result.Result.OutputRows);
        var progress = ProgressReport.Build(run, record, triggerStart, time.GetUtcNow(), perSource, outputRows, addBatchMs, commitMs, operators, eventTime, storageHealth);
        run.AddProgress(progress, _options.RecentProgressCount);
        if (run.Request.Observer is { } observer) _ = observer.OnProgress(run.Request.RunId, progress);
    }

    /// <summary>
    /// Writes the epoch's entry of the file-sink log, under the log batch id the folder's owner record maps it to. A replay of
    /// an epoch the log already holds keeps the files committed first; the replay's own files are removed.
    /// </summary>
    private void CommitFileSink(TriggerRun run, long batchId, List<string> written)
    {
        var log = new FileSinkLog(run.Query.Sink.OutputPath(), paths.FileRoots);
        var owner = log.ReadOwner();
        if (owner is not null && owner.QueryId != run.Request.QueryId)
            throw new InvalidOperationException($"Query {run.Request.QueryId} no longer owns its output folder '{log.Directory}': query {owner.QueryId} (checkpoint '{owner.CheckpointLocation}') took it over. Stopping rather than mixing their output.");
        var committed = log.Commit((owner?.FirstBatchId ?? 0) + batchId, written);
        foreach (var orphan in written.Except(committed, StringComparer.Ordinal)) File.Delete(Path.Combine(log.Directory, orphan));
    }

    /// <summary>Runs again, from their offset records, the epochs before <paramref name="before"/> whose state is not known durable.</summary>
    private async Task RerunUncommittedAsync(TriggerRun run, long before)
    {
        run.Uncommitted.RemoveAll(c => c.BatchId > run.DurableThrough);
        await WriteStateAsync(run);
        run.LastRun = run.DurableThrough = state.State.LastCommitted;
        foreach (var record in state.State.Offsets.Values.Where(o => o.BatchId > run.LastRun && o.BatchId < before).ToList())
        {
            LogInformationReplaying(logger, QueryKey, record.BatchId);
            await ExecuteAsync(run, record, time.GetUtcNow());
        }
    }

    private bool RescalesState(OffsetRecord record) =>
        state.State.Offsets.GetValueOrDefault(record.BatchId - 1) is { } previous
        && record.StatePartitions.Any(p => previous.StatePartitions.GetValueOrDefault(p.Key) != p.Value);

    /// <summary>Waits until every epoch run has its state durable and writes their commit records.</summary>
    private async Task CommitRunEpochsAsync(TriggerRun run)
    {
        if (run.Uncommitted.Count == 0) return;
        if (run.DurableThrough < run.LastRun)
        {
            var record = state.State.Offsets[run.LastRun];
            await Task.WhenAll(record.StatePartitions.SelectMany(op => Enumerable.Range(0, op.Value).Select(p =>
                GrainFactory.GetGrain<IStatePartitionGrain>(Exchange.PartitionKey(QueryKey, op.Key, p)).WhenWrittenAsync(run.LastRun))));
            run.DurableThrough = run.LastRun;
        }
        await WriteStateAsync(run);
    }

    // Every written-ahead epoch has run when this is called; a failed re-run may have left LastRun below the newest of
    // them, so the re-run bound is the offset log's, not LastRun.
    private Task CommitWithRetriesAsync(TriggerRun run) =>
        WithRetriesAsync(run, run.LastRun, async attempt =>
        {
            if (attempt > 1) await RerunUncommittedAsync(run, state.State.Offsets.Keys.LastOrDefault(run.LastRun) + 1);
            await CommitRunEpochsAsync(run);
        });

    // A stop does not wait out a failure: the next run re-runs from the offset log whatever was left uncommitted.
    private async Task CommitAtStopAsync(TriggerRun run)
    {
        try
        {
            await CommitWithRetriesAsync(run);
        }
        catch (Exception ex) when (IsTransient(ex) || ex is EpochFailedException)
        {
            LogWarningLeftUncommitted(logger, ex, QueryKey, state.State.LastCommitted);
        }
    }

    /// <summary>Writes the trigger's state, moving into its commit log the epochs run whose state has become durable.</summary>
    private async Task WriteStateAsync(TriggerRun run)
    {
        var committed = new List<long>();
        while (run.Uncommitted.Count > 0 && run.Uncommitted[0].BatchId <= run.DurableThrough)
        {
            var commit = run.Uncommitted[0];
            run.Uncommitted.RemoveAt(0);
            state.State.Commits[commit.BatchId] = commit;
            foreach (var (id, partitions) in state.State.Offsets[commit.BatchId].StatePartitions) state.State.StatePartitions[id] = partitions;
            committed.Add(commit.BatchId);
        }
        Trim();
        await state.WriteStateAsync();
        foreach (var batchId in committed) LogInformationBatchCommitted(logger, QueryKey, batchId);
    }

    private CommitRecord? CommitOf(TriggerRun run, long batchId) =>
        run.Uncommitted.Find(c => c.BatchId == batchId) ?? state.State.Commits.GetValueOrDefault(batchId);

    /// <summary>Finishes the epoch in every partition of every stateful operator, in chain order (each feeds the next).</summary>
    /// <param name="deliveries">Stage calls per grain key made by the source tasks: what the first operator's partitions must hold.</param>
    private async Task<List<OperatorEpoch>> RunStatefulOperatorsAsync(TriggerRun run, OffsetRecord record, Guid attempt, SortedSet<string> sinkKeys,
        Dictionary<string, int> deliveries)
    {
        var query = run.Query;
        var result = new List<OperatorEpoch>();
        var ops = query.Physical.StatefulOperators;
        for (var k = 0; k < ops.Count; k++)
        {
            var partitions = record.StatePartitions[ops[k].Id];
            var last = k == ops.Count - 1;
            var calls = new List<Task<PartitionResult>>();
            for (var p = 0; p < partitions; p++)
            {
                var sinkKey = SinkKey(query.IsFileSink ? p : 0);
                if (last) sinkKeys.Add(sinkKey);
                var key = Exchange.PartitionKey(QueryKey, ops[k].Id, p);
                calls.Add(GrainFactory.GetGrain<IStatePartitionGrain>(key).FinishAsync(new PartitionEpoch
                {
                    ExpectedInputs = deliveries.GetValueOrDefault(key),
                    QueryKey = QueryKey, Attempt = attempt, PlanJson = run.Request.Spec.PlanJson, OperatorId = ops[k].Id, Partition = p,
                    NumPartitions = partitions, StoredPartitions = state.State.StatePartitions.GetValueOrDefault(ops[k].Id, partitions),
                    NumKeyGroups = state.State.NumKeyGroups, BatchId = record.BatchId, LastCommitted = state.State.LastCommitted,
                    BatchTimestampMicros = record.BatchTimestampMs * 1000,
                    LateThresholdMicros = query.Physical.Watermarks.Count > 0 ? record.LateWatermarkMs * 1000 : null,
                    EvictThresholdMicros = query.Physical.Watermarks.Count > 0 ? record.WatermarkMs * 1000 : null,
                    OutputMode = query.Sink.OutputMode, NextPartitions = last ? 0 : record.StatePartitions[ops[k + 1].Id],
                    SinkKey = sinkKey, Sink = query.Sink, SnapshotInterval = _options.StateSnapshotInterval,
                }));
            }
            var results = await Task.WhenAll(calls);
            result.Add(new OperatorEpoch(ops[k].Name, partitions, results));
            deliveries = Deliveries(results.Select(r => r.Deliveries));
        }
        return result;
    }

    private static Dictionary<string, int> Deliveries(IEnumerable<Dictionary<string, int>> perProducer)
    {
        var total = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (key, calls) in perProducer.SelectMany(d => d)) total[key] = total.GetValueOrDefault(key) + calls;
        return total;
    }

    private static Dictionary<int, EventTimeSummary> EventTimeOf(IEnumerable<SourceTaskResult> results)
    {
        var merged = new Dictionary<int, EventTimeSummary>();
        foreach (var (id, s) in results.SelectMany(r => r.EventTime))
            merged[id] = merged.TryGetValue(id, out var m)
                ? new EventTimeSummary(Math.Min(m.MinMicros, s.MinMicros), Math.Max(m.MaxMicros, s.MaxMicros), m.SumMicros + s.SumMicros, m.Count + s.Count)
                : s;
        return merged;
    }

    /// <summary>
    /// Spark's watermark: per withWatermark the maximum event time seen minus its delay; the global watermark is the minimum
    /// (or, with policy "max", the maximum) over the inputs that have seen data, and it never moves backwards. It takes
    /// effect in the next epoch.
    /// </summary>
    private long NextWatermark(CompiledQuery query, OffsetRecord record, Dictionary<int, EventTimeSummary> eventTime)
    {
        if (query.Physical.Watermarks.Count == 0) return record.WatermarkMs;
        foreach (var (id, stats) in eventTime)
        {
            var maxMs = Math.DivRem(stats.MaxMicros, 1000).Quotient - (stats.MaxMicros < 0 && stats.MaxMicros % 1000 != 0 ? 1 : 0);
            state.State.EventTimeMaxMs[id] = Math.Max(state.State.EventTimeMaxMs.GetValueOrDefault(id, long.MinValue), maxMs);
        }
        var candidates = query.Physical.Watermarks.Where(w => state.State.EventTimeMaxMs.ContainsKey(w.Id))
            .Select(w => state.State.EventTimeMaxMs[w.Id] - w.DelayMs).ToList();
        if (candidates.Count == 0) return record.WatermarkMs;
        return Math.Max(record.WatermarkMs, state.State.WatermarkPolicy == "max" ? candidates.Max() : candidates.Min());
    }

    private async Task HangIfAskedAsync(long batchId, bool afterSinkLog)
    {
        if (_options.HangBeforeCommitOfBatch != batchId || _options.HangAfterSinkLog != afterSinkLog) return;
        LogWarningHanging(logger, QueryKey, batchId);
        if (_options.HangMarkerFile is { } marker) await File.WriteAllTextAsync(marker, batchId.ToString(CultureInfo.InvariantCulture));
        await Task.Delay(Timeout.Infinite);
    }

    private string SinkKey(int partition) => string.Create(CultureInfo.InvariantCulture, $"{QueryKey}|{partition}");

    private void Trim()
    {
        var keep = state.State.LastCommitted - _options.MinBatchesToRetain;
        foreach (var old in state.State.Offsets.Keys.Where(k => k < keep).ToList()) state.State.Offsets.Remove(old);
        foreach (var old in state.State.Commits.Keys.Where(k => k < keep).ToList()) state.State.Commits.Remove(old);
    }

    private async Task TerminateAsync(TriggerRun run, Exception? error)
    {
        run.Terminate(error);
        if (_deactivating) return;
        if (state.State.ActiveRun?.RunId == run.Request.RunId)
        {
            state.State.ActiveRun = null;
            try
            {
                await state.WriteStateAsync();
            }
            catch (Exception ex) when (ex is OrleansException or IOException)
            {
                LogErrorQueryFailed(logger, ex, QueryKey, run.Request.RunId);
            }
        }
        // A caller that stopped the run learns of it from its own call; its client may already have let go of the observer.
        if (run.Request.Observer is { } observer && !run.StoppedByCaller) _ = observer.OnTerminated(run.Request.RunId, run.Error);
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Query {Query}: batch {BatchId} committed")]
    private static partial void LogInformationBatchCommitted(ILogger logger, string query, long batchId);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Query {Query}: re-running batch {BatchId} from the offset log")]
    private static partial void LogInformationReplaying(ILogger logger, string query, long batchId);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "Query {Query}: fault injection, hanging before the commit of batch {BatchId}")]
    private static partial void LogWarningHanging(ILogger logger, string query, long batchId);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Warning, Message = "Query {Query}: batch {BatchId} attempt {Attempt} failed; running it again from its offsets")]
    private static partial void LogWarningRetrying(ILogger logger, Exception exception, string query, long batchId, int attempt);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Warning, Message = "Query {Query}: resuming run {RunId} in a new activation of its trigger")]
    private static partial void LogWarningResuming(ILogger logger, string query, Guid runId);

    [LoggerMessage(EventId = 1207, Level = LogLevel.Warning, Message = "Query {Query}: run {RunId} left this activation (deactivated); the next activation resumes it")]
    private static partial void LogWarningMoved(ILogger logger, Exception exception, string query, Guid runId);

    [LoggerMessage(EventId = 1208, Level = LogLevel.Warning, Message = "Query {Query}: stopped with epochs after {LastCommitted} run but not committed; the next run re-runs them")]
    private static partial void LogWarningLeftUncommitted(ILogger logger, Exception exception, string query, long lastCommitted);

    [LoggerMessage(EventId = 1209, Level = LogLevel.Warning, Message = "Query {Query} is falling behind: {Source} has more input than an epoch admits ({Backlog}); epochs stay bounded by maxRowsPerTrigger / maxBytesPerTrigger / maxFilesPerTrigger or OrleansStream__EpochMemoryBudgetBytes")]
    private static partial void LogWarningFallingBehind(ILogger logger, string query, string source, string backlog);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Error, Message = "Query {Query} run {RunId} failed")]
    private static partial void LogErrorQueryFailed(ILogger logger, Exception exception, string query, Guid runId);
}
