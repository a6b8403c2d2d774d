using System.Diagnostics;
using System.Runtime.ExceptionServices;
using OrleansStream.Engine.Telemetry;

namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>
/// The epoch protocol of one run of a query (DESIGN.md §5): plan, write ahead, run, commit, recover.
/// A stateful epoch's state versions are written while the next epoch runs, so its commit record waits for them: it is
/// written with the next write-ahead once every partition has answered the next epoch (which they do only once their
/// previous version is durable), or alone when the query goes idle, waits for its next trigger or stops. A stateless
/// epoch's commit record, durable once its sink committed, rides on the very next write-ahead the same way.
/// The loop is one logical flow; the host may call the status members and <see cref="Poke"/>/<see cref="RequestStop"/>
/// in between (on the same scheduler), so nothing here needs locks. It deliberately awaits without ConfigureAwait(false):
/// every continuation must come back to the host's scheduler (a grain's turn), where the runtime's calls are valid.
/// </summary>
public sealed class EpochCoordinator
{
    private readonly IEpochRuntime _runtime;
    private readonly CheckpointRecords _records;
    private readonly EpochQuery _query;
    private readonly EpochCoordinatorOptions _options;
    private readonly TimeProvider _time;
    private readonly WatermarkTracker _watermarks;
    private readonly EpochDuePolicy _due;
    private readonly ProgressBuilder _progress;
    private readonly IdlePolling _idlePolling;
    /// <summary>Commit records of epochs run but not yet in the commit log, oldest first.</summary>
    private readonly List<CommitLogRecord> _uncommitted = [];
    private CancellationTokenSource _wake = new();
    private TaskCompletionSource _roundCompleted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Dictionary<string, string?>? _bounds;
    private long _latestOffsetMs;
    private long _walCommitMs;
    /// <summary>The progress of the last epoch this run executed: an idle trigger's progress carries its state operators.</summary>
    private EpochProgress? _lastEpochProgress;
    /// <summary>When the last progress event was reported (an epoch's end, or an idle trigger's start); the run's start before any.</summary>
    private DateTimeOffset _lastProgressEvent;
    /// <summary>The earliest processing-time timer the partitions reported with the last epoch run (ms), or null for none.</summary>
    private long? _nextTimerMs;
    /// <summary>When the last epoch planned was planned (wall clock), for its span.</summary>
    private PlanTiming? _planned;
    /// <summary>The next epochs, planned and written ahead in one write while the current one runs (<see cref="PlansAhead"/>);
    /// null when none are being planned.</summary>
    private Task<IReadOnlyList<PlannedEpoch>>? _ahead;
    /// <summary>Epochs planned ahead and taken from <see cref="_ahead"/>, not run yet, oldest first: the rest of a group written
    /// ahead together (<see cref="EpochCoordinatorOptions.WriteAheadGroup"/>), whose write the first of them waited for.</summary>
    private readonly List<PlannedEpoch> _queued = [];
    /// <summary>The write-ahead of the epoch planned in line, which may still be in flight while its source tasks run.</summary>
    private Task<WriteAhead>? _writingAhead;
    /// <summary>How many epochs the next group planned ahead takes: more while epochs wait on their group's write.</summary>
    private readonly WriteAheadGrouping _grouping;
    /// <summary>How many epochs the group taken last held (the epoch before the first group was planned alone).</summary>
    private int _takenGroupSize = 1;
    /// <summary>The next epoch's first attempt, started once it was planned ahead, while the running epoch still finishes
    /// (<see cref="RunsSourceTasksAhead"/>); null when none was started.</summary>
    private Task<EarlyAttempt?>? _early;

    public EpochCoordinator(IEpochRuntime runtime, CheckpointRecords records, EpochQuery query, EpochCoordinatorOptions options, TimeProvider time)
    {
        _runtime = runtime;
        _records = records;
        _query = query;
        _options = options;
        _time = time;
        _watermarks = new WatermarkTracker(query.Watermarks, records);
        _due = new EpochDuePolicy(query);
        _progress = new ProgressBuilder(query);
        _idlePolling = new IdlePolling(options.PollingDelay);
        _grouping = new WriteAheadGrouping(options.WriteAheadGroup, options.WriteAheadGroupGrowth);
    }

    public CheckpointRecords Records => _records;
    /// <summary>State partitions per stateful operator in this run.</summary>
    public int StatePartitions { get; private set; }
    /// <summary>The last epoch run through its sink commit: the last committed one, or a few after it (more when epochs are planned ahead, in groups).</summary>
    public long LastRun { get; private set; }
    /// <summary>The newest epoch whose state version every partition has made durable.</summary>
    public long DurableThrough { get; private set; }
    public bool StopRequested { get; private set; }
    public bool IsDataAvailable { get; private set; }
    public bool IsTriggerActive { get; private set; }
    /// <summary>When a processing-time trigger began waiting for its next tick, on the query's clock; null while it is not
    /// waiting on that clock (Spark's StreamManualClock.isStreamWaitingAt: a test advances the clock only then).</summary>
    public DateTimeOffset? WaitingAt { get; private set; }
    /// <summary>Planning rounds started (processAllAvailable asks for a round after its call).</summary>
    public long PlanRound { get; private set; }
    /// <summary>The last round that found nothing to do, with every epoch run committed.</summary>
    public long LastIdleRound { get; private set; }
    public bool WasIdle { get; private set; }
    /// <summary>Completes when the current round ends (or the run does).</summary>
    public Task RoundCompleted => _roundCompleted.Task;

    public void RequestStop()
    {
        StopRequested = true;
        Poke();
    }

    /// <summary>Ends a wait between triggers early (stop, or processAllAvailable under the default trigger).</summary>
    public void Poke() => _wake.Cancel();

    /// <summary>The run ended (the host calls this however it ended): waiters of a round are released.</summary>
    public void NotifyTerminated()
    {
        IsTriggerActive = false;
        SignalRound();
    }

    /// <summary>Runs the query until it stops (trigger, stop request) or fails; commits what it can at the end.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var tracked = _options.Telemetry?.Track();
        using var scope = _options.Telemetry?.BeginRunScope();
        await PrepareAsync(cancellationToken);
        LastRun = DurableThrough = _records.LastCommitted;
        // A restarted run has not heard from the partitions yet: the timers they hold may be due now, so the first trigger
        // runs an epoch, whose answers tell the next ones.
        if (_due.HasProcessingTimeTimers && _records.LastCommitted >= 0) _nextTimerMs = long.MinValue;
        await RecoverAsync(cancellationToken);
        _bounds = _options.Trigger.CapturesBounds ? await CaptureBoundsAsync(cancellationToken) : null;
        _lastProgressEvent = _time.GetUtcNow();
        try
        {
            await LoopAsync(cancellationToken);
        }
        finally
        {
            // No source task of this run stages rows after it ended, and nothing else may write the records while a
            // write-ahead is in flight (the host's own writes included).
            await SettleEarlyAsync();
            await SettleAheadAsync();
        }
        await CommitAtStopAsync(cancellationToken);
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (!StopRequested)
        {
            _runtime.OnTrigger();
            var triggerStart = _time.GetUtcNow();
            var (record, plannedAt, writingAhead) = await PlanAsync(triggerStart, cancellationToken);
            if (record is null)
            {
                // Before the round counts as idle: processAllAvailable and the status must find every epoch run committed.
                await CommitWithRetriesAsync(cancellationToken);
                if (!WasIdle) _runtime.OnIdle();
                ReportIdleProgress(triggerStart);
                await _runtime.WhenProgressReportedAsync(cancellationToken);
                CompleteRound(idle: true);
                if (_options.Trigger.StopsWhenIdle) break;
                await WaitAsync(_options.Trigger.IsDefault ? _idlePolling.Next() : _options.Trigger.NextTriggerDelay(_time.GetUtcNow()), realTime: _options.Trigger.IsDefault);
                continue;
            }
            await ExecuteWithRetriesAsync(record, plannedAt, cancellationToken, planNext: true, writingAhead);
            _idlePolling.OnEpoch();
            CompleteRound(idle: false);
            if (_options.Trigger.StopsAfterEpoch) break;
            if (_options.Trigger.WaitsAfterEpoch)
            {
                await CommitWithRetriesAsync(cancellationToken);
                await WaitAsync(_options.Trigger.NextTriggerDelay(_time.GetUtcNow()), realTime: false);
            }
        }
    }

    /// <summary>
    /// Whether the next epoch is planned and written ahead while the current one runs (Spark 3.4's asynchronous progress
    /// tracking, here with the offset write-ahead still durable before anything of the epoch it records is (its source
    /// tasks run beside the write, as an epoch planned in line's do), and the commit still after it). Only where the next
    /// epoch's plan cannot depend on the current one's outcome beyond its source tasks: no processing-time timers (their
    /// next due time comes from this epoch's partitions' answers), and a trigger that runs epochs back to back over a
    /// bounded backlog (AvailableNow; a polling trigger would cut its next epoch earlier than Spark does, and a
    /// processing-time one plans at its tick). With a watermark the next epoch's comes from this epoch's
    /// event times, which its source tasks report (<see cref="PlansAheadAfterSourceTasks"/>). Without one, the epochs are
    /// planned ahead in groups written in one write each (<see cref="EpochCoordinatorOptions.WriteAheadGroup"/>): the write-ahead
    /// chain, one durable write at a time, then costs one flush per group instead of one per epoch.
    /// </summary>
    private bool PlansAhead => _options.PlanAhead && _options.Trigger.CapturesBounds && !_due.HasProcessingTimeTimers;

    /// <summary>Whether an epoch planned ahead waits for the running epoch's source tasks: its watermark is computed from
    /// their event times (as the running epoch's commit record's will be), then it is planned beside the partitions and the
    /// sink commit.</summary>
    private bool PlansAheadAfterSourceTasks => _watermarks.HasWatermarks;

    /// <summary>
    /// Whether the next epoch planned ahead also starts its source tasks while the running epoch's partitions, sink commit and
    /// commit go on: they read the recorded range and stage rows at the partitions (which keep each attempt's rows apart),
    /// nothing durable or visible, as an epoch's source tasks already run beside its own write-ahead. The epochs' work then
    /// overlaps on the cores instead of meeting at every epoch's end. Not when source tasks hand rows to a sink: a sink
    /// keeps the rows of one attempt at a time. The next epoch's partitions still run after the running epoch's commit.
    /// </summary>
    private bool RunsSourceTasksAhead => PlansAhead && _query.SourceTasksRunAhead;

    // Key groups are fixed at a query's first start; the partition count may change between runs (rescaling).
    private async Task PrepareAsync(CancellationToken cancellationToken)
    {
        _records.WatermarkPolicy ??= _options.WatermarkPolicy.ToLowerInvariant();
        if (!_query.IsStateful) return;
        if (_records.NumKeyGroups == 0) _records.NumKeyGroups = _options.NumKeyGroups;
        if (_options.RequestedStatePartitions is { } requested) StatePartitions = requested;
        // A run resumed after its coordinator moved keeps its partition count: the hosts alive at this moment (one fewer
        // after a kill) must not rescale the state of a running query.
        else if (_options.Resumed && _records.Offsets.Records.LastOrDefault()?.StatePartitions.Values.FirstOrDefault() is > 0 and var running) StatePartitions = running;
        else if (_options.StatePartitions > 0) StatePartitions = _options.StatePartitions;
        else StatePartitions = await _runtime.DefaultStatePartitionsAsync(cancellationToken);
    }

    /// <summary>An epoch written ahead but not committed is re-run with exactly its recorded offsets and timestamp.</summary>
    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        var pending = _records.Offsets.Records.Where(o => o.BatchId > _records.LastCommitted).OrderBy(o => o.BatchId).ToList();
        foreach (var record in pending)
        {
            _runtime.OnReplaying(record.BatchId);
            await ExecuteWithRetriesAsync(record, _time.GetUtcNow(), cancellationToken);
        }
    }

    private async Task<Dictionary<string, string?>> CaptureBoundsAsync(CancellationToken cancellationToken)
    {
        var captured = await _runtime.CaptureBoundsAsync(cancellationToken);
        return _query.Sources.ToDictionary(s => s.Id, s => captured.GetValueOrDefault(s.Id));
    }

    /// <summary>
    /// One planning round: the epoch due next, when its trigger started, and its write-ahead when that is still in flight (an
    /// epoch planned in line runs its source tasks beside it: <see cref="ExecuteAsync"/>); or none.
    /// </summary>
    private async Task<(OffsetLogRecord? Record, DateTimeOffset TriggerStart, Task<WriteAhead>? WritingAhead)> PlanAsync(DateTimeOffset triggerStart, CancellationToken cancellationToken)
    {
        PlanRound++;
        var batchId = LastRun + 1;
        if (await TakeAheadAsync() is { } ahead)
        {
            // An epoch planned ahead runs as one planned in line: its source tasks beside its write-ahead if that is still in
            // flight (ExecuteAsync takes a write already done, or failed, as one awaited in line).
            if (ahead.Record.BatchId == batchId)
            {
                IsDataAvailable = true;
                (_latestOffsetMs, _writingAhead, _planned) = (ahead.LatestOffsetMs, ahead.Written, ahead.Planning);
                return (ahead.Record, ahead.TriggerStart, ahead.Written);
            }
            // Not the epoch due (never expected): the rest of its group is in the offset log, re-run from there.
            await ahead.Written;
            _queued.Clear();
        }
        // A written-ahead epoch is re-run with exactly its recorded offsets, never planned afresh: its sources already
        // recorded what it consumed (a file source would skip its files for good).
        if (_records.Offsets.Get(batchId) is { } writtenAhead)
        {
            _runtime.OnReplaying(batchId);
            IsDataAvailable = true;
            return (writtenAhead, triggerStart, null);
        }
        var (epoch, hasData, latestOffsetMs) = await PlanRecordAsync(batchId, _records.Offsets.Get(batchId - 1), triggerStart, CommitOf(batchId - 1)?.NextWatermarkMs ?? 0, cancellationToken);
        _latestOffsetMs = latestOffsetMs;
        IsDataAvailable = hasData;
        if (epoch is null) return (null, triggerStart, null);
        var planned = StartWriteAhead([epoch], cancellationToken)[0];
        // The epoch's span shows its planning now and its write-ahead once durable.
        (_writingAhead, _planned) = (planned.Written, planned.Planning);
        return (planned.Record, triggerStart, planned.Written);
    }

    /// <summary>
    /// Plans epoch <paramref name="batchId"/> after <paramref name="previous"/> (the offset record of the epoch before it, in
    /// the log or planned with it in one group) from the sources' latest offsets, if it is due; the caller writes it ahead
    /// (<see cref="StartWriteAhead"/>). Touches no field the running epoch reads, so that it can run beside it (<see cref="PlansAhead"/>).
    /// </summary>
    private async Task<(EpochPlan? Epoch, bool HasData, long LatestOffsetMs)> PlanRecordAsync(long batchId, OffsetLogRecord? previous, DateTimeOffset triggerStart,
        long watermark, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var planStarted = DateTimeOffset.UtcNow;
        var start = new Dictionary<string, string?>();
        var end = new Dictionary<string, string?>();
        var hasData = false;
        // One step for all sources: rows added to two of them together land in one epoch.
        var requests = _query.Sources.Select(s => new SourceOffsetRequest(s.Id, previous?.End.GetValueOrDefault(s.Id), _bounds?.GetValueOrDefault(s.Id))).ToList();
        var latest = await _runtime.LatestOffsetsAsync(requests, cancellationToken);
        foreach (var request in requests)
        {
            var to = latest.GetValueOrDefault(request.SourceId);
            start[request.SourceId] = request.PreviousEnd;
            end[request.SourceId] = to ?? request.PreviousEnd;
            hasData |= to is not null;
        }
        var latestOffsetMs = ProgressBuilder.Milliseconds(watch);
        // Static leaves never make an epoch due (a batch relation's change is read along with the next stream data, as in
        // Spark), so their versions are taken only for an epoch that runs.
        if (!_due.IsDue(hasData, previous, watermark, triggerStart.ToUnixTimeMilliseconds(), _nextTimerMs)) return (null, hasData, latestOffsetMs);
        IReadOnlyDictionary<string, string> staticVersions = _query.StaticLeaves.Count == 0 ? new Dictionary<string, string>()
            : await _runtime.StaticVersionsAsync(cancellationToken);

        var record = new OffsetLogRecord
        {
            BatchId = batchId,
            Start = start,
            End = end,
            BatchTimestampMs = triggerStart.ToUnixTimeMilliseconds(),
            WatermarkMs = watermark,
            LateWatermarkMs = previous?.WatermarkMs ?? 0,
            StatePartitions = _query.Operators.ToDictionary(op => op.Id, _ => StatePartitions),
            SourcePartitions = _query.Sources.ToDictionary(s => s.Id, s => s.NumPartitions),
            StaticVersions = staticVersions,
        };
        foreach (var source in _query.Sources)
            if (end[source.Id] is { } to && to != start[source.Id]) _runtime.OnPlanned(source.Id, to);

        var planning = new PlanTiming(batchId, planStarted, DateTimeOffset.UtcNow, WrittenAhead: default);
        return (new EpochPlan(record, triggerStart, latestOffsetMs, planning), true, latestOffsetMs);
    }

    /// <summary>
    /// Write-ahead: the epochs' offsets are durable before anything of them is (a state version, a sink commit): see
    /// ExecuteAsync. One write for all of <paramref name="epochs"/> (a group planned ahead: one flush instead of one per
    /// epoch); the same write commits the epochs whose state has become durable since the last one. The records are taken
    /// for the write before this returns: nothing may change them until it completes. Each epoch's write-ahead may still be
    /// in flight (<see cref="PlannedEpoch.Written"/>).
    /// </summary>
    private List<PlannedEpoch> StartWriteAhead(IReadOnlyList<EpochPlan> epochs, CancellationToken cancellationToken)
    {
        var written = WriteAheadAsync(epochs, cancellationToken);
        var planned = new List<PlannedEpoch>(epochs.Count);
        foreach (var epoch in epochs)
            planned.Add(new PlannedEpoch(epoch.Record, epoch.TriggerStart, epoch.LatestOffsetMs, epoch.Planning, WrittenAsync(written, epoch.Planning)));
        return planned;
    }

    private async Task<(long Ms, DateTimeOffset At)> WriteAheadAsync(IReadOnlyList<EpochPlan> epochs, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        foreach (var epoch in epochs) _records.Offsets.Add(epoch.Record);
        await SaveAsync(cancellationToken, writingAhead: true);
        return (ProgressBuilder.Milliseconds(watch), DateTimeOffset.UtcNow);
    }

    private static async Task<WriteAhead> WrittenAsync(Task<(long Ms, DateTimeOffset At)> write, PlanTiming planning)
    {
        var (ms, at) = await write;
        return new WriteAhead(ms, planning with { WrittenAhead = at });
    }

    /// <summary>
    /// Plans up to <paramref name="count"/> epochs after <paramref name="after"/> (the running epoch, or the last one
    /// queued) while the running one runs, with <paramref name="watermark"/> (the running one's where none moves, else the
    /// one its source tasks' event times give), each with its trigger starting when planned, as the next trigger of a
    /// back-to-back run would have started once the epoch before it ended; and writes them ahead in one write. Started once
    /// the running epoch's source tasks were called (or, with a watermark, had answered): it runs on the host's scheduler
    /// between their answers. Empty when no epoch is due.
    /// </summary>
    /// <param name="writingAhead">The running epoch's write-ahead, when still in flight: one write at a time, so the next
    /// epochs are planned once it is durable, and the epochs run meanwhile need no write of their own.</param>
    private async Task<IReadOnlyList<PlannedEpoch>> PlanAheadAsync(OffsetLogRecord after, long watermark, int count, Task<WriteAhead>? writingAhead,
        CancellationToken cancellationToken)
    {
        if (writingAhead is not null) await writingAhead;
        var epochs = new List<EpochPlan>(count);
        var previous = after;
        while (epochs.Count < count
               && (await PlanRecordAsync(previous.BatchId + 1, previous, _time.GetUtcNow(), watermark, cancellationToken)).Epoch is { } epoch)
        {
            epochs.Add(epoch);
            previous = epoch.Record;
        }
        return epochs.Count == 0 ? [] : StartWriteAhead(epochs, cancellationToken);
    }

    /// <summary>The next epoch planned ahead: the oldest queued, else the first of the group planned ahead, once planned (the
    /// rest of the group is queued). Its write-ahead may still be in flight (<see cref="PlannedEpoch.Written"/>, whose
    /// failure fails the query, as when a write-ahead fails in line, since its record may be in the records without being
    /// durable).</summary>
    private async Task<PlannedEpoch?> TakeAheadAsync()
    {
        if (_queued.Count > 0)
        {
            var queued = _queued[0];
            _queued.RemoveAt(0);
            _grouping.OnQueuedTaken(_ahead is { IsCompletedSuccessfully: true } next && next.Result is [var first, ..] && first.Written.IsCompleted);
            return queued;
        }
        if (_ahead is not { } ahead) return null;
        _ahead = null;
        var group = await ahead;
        if (group.Count == 0) return null;
        _grouping.OnGroupTaken(group[0].Written.IsCompleted, _takenGroupSize);
        _takenGroupSize = group.Count;
        _queued.AddRange(group.Skip(1));
        return group[0];
    }

    /// <summary>Waits for a write-ahead in flight (the next epoch's, with its planning, or the running one's), leaving its
    /// outcome to whoever takes it (<see cref="TakeAheadAsync"/>, the running epoch).</summary>
    private async Task SettleAheadAsync()
    {
        if (_ahead is { } ahead) await SettleAsync(WrittenAfterPlanningAsync(ahead));
        await SettleAsync(WrittenAsync(_queued));
        await SettleAsync(_writingAhead);
    }

    private static async Task WrittenAfterPlanningAsync(Task<IReadOnlyList<PlannedEpoch>> planning) => await WrittenAsync(await planning);

    private static Task WrittenAsync(IReadOnlyList<PlannedEpoch> epochs) => epochs.Count switch
    {
        0 => Task.CompletedTask,
        1 => epochs[0].Written,
        _ => Task.WhenAll(epochs.Select(e => e.Written)),
    };

    private static async Task SettleAsync(Task? writing)
    {
        if (writing is not { IsCompleted: false }) return;
        try
        {
            await writing;
        }
        catch (Exception)
        {
            // Observed when taken, or the run is ending anyway.
        }
    }

    /// <summary>
    /// Runs an epoch, and runs it again from its offset record when it failed for infrastructure reasons: a dead host's
    /// partitions reload the last committed state, so the re-run is exactly-once. The epochs run before it but not
    /// committed are run again first, since the failure may have lost their state too.
    /// </summary>
    /// <param name="writingAhead">The epoch's write-ahead when still in flight: its failure is the query's, never retried
    /// (as when it fails in line); the first attempt's source tasks run beside it.</param>
    private async Task ExecuteWithRetriesAsync(OffsetLogRecord record, DateTimeOffset triggerStart, CancellationToken cancellationToken, bool planNext = false,
        Task<WriteAhead>? writingAhead = null)
    {
        try
        {
            await WithRetriesAsync(record.BatchId, async attempt =>
            {
                if (attempt > 1) await RerunUncommittedAsync(record.BatchId, cancellationToken);
                // Partitions change count only by reloading, and they can load only a committed version.
                if (RescalesState(record))
                {
                    await WrittenAheadAsync(writingAhead);
                    await CommitRunEpochsAsync(cancellationToken);
                }
                await ExecuteAsync(record, triggerStart, cancellationToken, planNext, attempt == 1 ? writingAhead : null, firstAttempt: attempt == 1 && planNext);
            });
        }
        catch (WriteAheadFailedException failed)
        {
            failed.Failure.Throw();
        }
    }

    /// <summary>Waits for a write-ahead in flight, if any; its failure comes out as <see cref="WriteAheadFailedException"/>,
    /// which no retry takes.</summary>
    private static async Task<WriteAhead?> WrittenAheadAsync(Task<WriteAhead>? writingAhead)
    {
        if (writingAhead is null) return null;
        try
        {
            return await writingAhead;
        }
        catch (Exception ex)
        {
            throw new WriteAheadFailedException(ExceptionDispatchInfo.Capture(ex));
        }
    }

    /// <summary>
    /// Runs <paramref name="step"/> until it succeeds, again after each transient failure, with a growing pause, for as
    /// long as the retry budget lasts: it outlasts failure detection, so that a dead host's work has moved before it runs out.
    /// </summary>
    private async Task WithRetriesAsync(long batchId, Func<int, Task> step)
    {
        // On the host's clock, as the trigger's intervals are, so that a test decides when the budget runs out.
        var started = _time.GetUtcNow();
        var delay = _options.EpochRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await step(attempt);
                return;
            }
            catch (Exception ex) when (ex is not WriteAheadFailedException && _runtime.IsTransient(ex) && !StopRequested)
            {
                var elapsed = _time.GetUtcNow() - started;
                if (elapsed + delay > _options.EpochRetryBudget)
                    throw new EpochFailedException($"Batch {batchId} failed {attempt} times over {elapsed.TotalSeconds:F0} s (the retry budget, OrleansStream__EpochRetryBudget, is {_options.EpochRetryBudget}); the last failure: {Innermost(ex).Message}", ex);
                _runtime.OnRetrying(ex, batchId, attempt);
                IsTriggerActive = false;
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

    /// <param name="planNext">Whether the next epoch may be planned and written ahead while this one runs (<see cref="PlansAhead"/>).</param>
    /// <param name="writingAhead">The epoch's own write-ahead, still in flight. Its source tasks run beside it: they read the
    /// recorded range and stage rows in memory, nothing durable or visible (a failed attempt's staged rows are dropped, and a
    /// re-run reads the same range), so the write's latency and theirs overlap instead of adding up on every epoch's critical
    /// path. Its partitions (which make its state version durable) and sinks wait for the write.</param>
    /// <param name="firstAttempt">Whether this is the epoch's first attempt in the run's loop: it may take the attempt started
    /// ahead for it (<see cref="RunsSourceTasksAhead"/>).</param>
    private async Task ExecuteAsync(OffsetLogRecord record, DateTimeOffset triggerStart, CancellationToken cancellationToken, bool planNext = false,
        Task<WriteAhead>? writingAhead = null, bool firstAttempt = false)
    {
        var early = await TakeEarlyAsync(record, firstAttempt);
        // Written already (a fast or synchronous store), or failed: as an epoch planned with its write-ahead awaited.
        if (writingAhead is { IsCompleted: true } && await WrittenAheadAsync(writingAhead) is { } done)
            (_walCommitMs, _planned, writingAhead) = (done.Ms, done.Timing, null);
        using var scope = _options.Telemetry?.BeginEpochScope(record.BatchId);
        using var span = _options.Telemetry?.StartEpoch(record.BatchId, _planned);
        _planned = null; // a retried or re-run attempt was not planned again
        span?.Begin("run");
        var watch = Stopwatch.StartNew();
        IsTriggerActive = true;
        // The attempt takes what it needs of the records now: a write-ahead beside it moves commits into them before they are durable.
        var attempt = early?.Attempt ?? _runtime.StartAttempt(record, _records);
        var queryPlanningMs = ProgressBuilder.Milliseconds(watch);
        watch.Restart();
        SourceTasksResult sources;
        IReadOnlyList<OperatorEpochResult> operators;
        IReadOnlyList<string> files;
        var sourceTasks = early?.Sources ?? attempt.RunSourceTasksAsync(cancellationToken);
        var runsNextAhead = planNext && RunsSourceTasksAhead;
        // Planned ahead from the last epoch planned (queued, or this one), so that one write covers the epochs run meanwhile.
        planNext &= _ahead is null && PlansAhead;
        var after = _queued.Count > 0 ? _queued[^1].Record : record;
        if (planNext && !PlansAheadAfterSourceTasks) _ahead = PlanAheadAsync(after, record.WatermarkMs, _grouping.Size, writingAhead, cancellationToken);
        try
        {
            sources = await sourceTasks;
            if (await WrittenAheadAsync(writingAhead) is { } written)
            {
                _walCommitMs = written.Ms;
                span?.CompletedBeside("write-ahead", written.Timing.WriteAheadStarted, written.Timing.WrittenAhead);
            }
            // The partitions are called first: planning runs on this scheduler until its write-ahead is under way.
            var partitions = attempt.FinishPartitionsAsync(cancellationToken);
            if (planNext && PlansAheadAfterSourceTasks) _ahead = PlanAheadAsync(record, _watermarks.Peek(record.WatermarkMs, sources.EventTime), count: 1, writingAhead: null, cancellationToken);
            if (runsNextAhead) _early = StartAheadAsync(record.BatchId + 1, cancellationToken);
            operators = await partitions;
            // Each partition answered only once its version of the epoch before the previous one was durable (the previous
            // one's may still be in flight: VersionedStateStore.MaxWritesInFlight).
            if (_query.IsStateful) DurableThrough = Math.Max(DurableThrough, record.BatchId - State.VersionedStateStore.MaxWritesInFlight);
            if (_due.HasProcessingTimeTimers)
                _nextTimerMs = operators.SelectMany(o => o.Results).Select(r => r.NextProcessingTimerMs).Where(t => t is not null).Min();
            span?.Begin("sink commit");
            files = await attempt.CommitSinksAsync(cancellationToken);
            await attempt.CommitSinkLogAsync(files, cancellationToken);
        }
        catch (Exception)
        {
            // A retry re-runs and commits epochs: not while the next epoch's write-ahead is in flight, nor this one's (whose
            // failure, if it failed, is the one that counts), nor while the next epoch's source tasks still stage rows.
            await SettleEarlyAsync();
            await SettleAheadAsync();
            await WrittenAheadAsync(writingAhead);
            throw;
        }
        var addBatchMs = ProgressBuilder.Milliseconds(watch);

        span?.Begin("commit");
        watch.Restart();
        _uncommitted.Add(new CommitLogRecord(record.BatchId, _watermarks.Next(record.BatchId, record.WatermarkMs, sources.EventTime)));
        LastRun = record.BatchId;
        // Without state the epoch is durable once its sink committed, and its commit record rides on the next epoch's
        // write-ahead like a stateful one's (or is written alone when the query goes idle, waits or stops): one durable
        // write per epoch instead of two. A crash before that write re-runs the epoch from its offsets, as a crash between
        // its sink commit and its own commit write would, and the sinks are idempotent per epoch for that.
        if (!_query.IsStateful) DurableThrough = record.BatchId;
        var commitMs = ProgressBuilder.Milliseconds(watch);
        IsTriggerActive = false;
        span?.Succeeded();

        // The sink's rows: what source stages handed it straight, and what keyed stages whose output is the sink emitted.
        var outputRows = sources.OutputRows + operators.Where(o => o.OutputsToSink).Sum(o => o.Results.Sum(r => r.OutputRows));
        var phases = new EpochPhases(_latestOffsetMs, queryPlanningMs, GetBatchMs: 0, _walCommitMs, addBatchMs, commitMs);
        var end = _time.GetUtcNow();
        _lastEpochProgress = _progress.Build(record, triggerStart, end, sources.InputRowsPerSource, outputRows, phases, operators, sources.EventTime);
        _lastProgressEvent = end;
        _options.Telemetry?.OnProgress(_lastEpochProgress, ranEpoch: true);
        _runtime.OnProgress(_lastEpochProgress);
    }

    /// <summary>
    /// Spark's no-data progress: a trigger that ran no epoch reports progress once noDataProgressEventInterval has passed since
    /// the last progress event (Spark also reports the very first idle trigger of a run; here the interval counts from the
    /// run's start, so a run that starts idle reports after one interval).
    /// </summary>
    private void ReportIdleProgress(DateTimeOffset triggerStart)
    {
        if (triggerStart - _lastProgressEvent < _options.NoDataProgressEventInterval) return;
        _lastProgressEvent = triggerStart;
        var progress = _progress.BuildIdle(LastRun + 1, _records.Offsets.Get(LastRun), _lastEpochProgress, triggerStart, _time.GetUtcNow(), _latestOffsetMs);
        _options.Telemetry?.OnProgress(progress, ranEpoch: false);
        _runtime.OnProgress(progress);
    }

    /// <summary>Runs again, from their offset records, the epochs before <paramref name="before"/> whose state is not known durable.</summary>
    private async Task RerunUncommittedAsync(long before, CancellationToken cancellationToken)
    {
        await SettleEarlyAsync();
        await SettleAheadAsync();
        _uncommitted.RemoveAll(c => c.BatchId > DurableThrough);
        await SaveAsync(cancellationToken);
        LastRun = DurableThrough = _records.LastCommitted;
        _watermarks.Reset();
        foreach (var record in _records.Offsets.Records.Where(o => o.BatchId > LastRun && o.BatchId < before).ToList())
        {
            _runtime.OnReplaying(record.BatchId);
            await ExecuteAsync(record, _time.GetUtcNow(), cancellationToken);
        }
    }

    private bool RescalesState(OffsetLogRecord record) =>
        _records.Offsets.Get(record.BatchId - 1) is { } previous
        && record.StatePartitions.Any(p => previous.StatePartitions.GetValueOrDefault(p.Key) != p.Value);

    /// <summary>Waits until every epoch run has its state durable and writes their commit records.</summary>
    private async Task CommitRunEpochsAsync(CancellationToken cancellationToken)
    {
        if (_uncommitted.Count == 0) return;
        if (DurableThrough < LastRun)
        {
            await _runtime.WhenStateDurableAsync(_records.Offsets.Get(LastRun)!, cancellationToken);
            DurableThrough = LastRun;
        }
        await SaveAsync(cancellationToken);
    }

    // Every written-ahead epoch has run when this is called; a failed re-run may have left LastRun below the newest of
    // them, so the re-run bound is the offset log's, not LastRun.
    private Task CommitWithRetriesAsync(CancellationToken cancellationToken) =>
        WithRetriesAsync(LastRun, async attempt =>
        {
            if (attempt > 1) await RerunUncommittedAsync((_records.Offsets.Latest ?? LastRun) + 1, cancellationToken);
            await CommitRunEpochsAsync(cancellationToken);
        });

    // A stop does not wait out a failure: the next run re-runs from the offset log whatever was left uncommitted.
    private async Task CommitAtStopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await CommitWithRetriesAsync(cancellationToken);
        }
        catch (Exception ex) when (_runtime.IsTransient(ex) || ex is EpochFailedException)
        {
            _runtime.OnLeftUncommitted(ex, _records.LastCommitted);
        }
    }

    /// <summary>Persists the records, moving into the commit log the epochs run whose state has become durable.</summary>
    private async Task SaveAsync(CancellationToken cancellationToken, bool writingAhead = false)
    {
        // One write at a time: a write-ahead planned beside the running epoch finishes first.
        if (!writingAhead) await SettleAheadAsync();
        var committed = new List<long>();
        while (_uncommitted.Count > 0 && _uncommitted[0].BatchId <= DurableThrough)
        {
            var commit = _uncommitted[0];
            _uncommitted.RemoveAt(0);
            _records.Commits.Add(commit);
            _watermarks.OnCommitted(commit.BatchId);
            foreach (var (id, partitions) in _records.Offsets.Get(commit.BatchId)!.StatePartitions) _records.StatePartitions[id] = partitions;
            committed.Add(commit.BatchId);
        }
        _records.Trim(_options.MinBatchesToRetain);
        await _runtime.SaveAsync(_records, cancellationToken);
        // A commit record is often written with a later epoch's write-ahead: its log names the epoch it commits.
        foreach (var batchId in committed)
        {
            using var scope = _options.Telemetry?.BeginEpochScope(batchId);
            _runtime.OnCommitted(batchId);
        }
    }

    /// <summary>
    /// Starts the first attempt at epoch <paramref name="batchId"/>, the next to run, once it is planned ahead (queued, or
    /// the first of the group being planned), and its source tasks (<see cref="RunsSourceTasksAhead"/>); null when none is
    /// planned. Never fails: a planning that failed fails where the loop takes it (<see cref="TakeAheadAsync"/>).
    /// </summary>
    private async Task<EarlyAttempt?> StartAheadAsync(long batchId, CancellationToken cancellationToken)
    {
        PlannedEpoch? next = null;
        if (_queued.Count > 0) next = _queued[0];
        else if (_ahead is { } ahead)
        {
            try
            {
                if (await ahead is [var first, ..]) next = first;
            }
            catch (Exception)
            {
                return null;
            }
        }
        if (next is null || next.Record.BatchId != batchId || StopRequested) return null;
        // As the attempt would take them at the epoch's start: no commit is moved into the records before then.
        var lastCommitted = _records.LastCommitted;
        var attempt = _runtime.StartAttempt(next.Record, _records);
        Task<SourceTasksResult> sources;
        try
        {
            sources = attempt.RunSourceTasksAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            // Fails the epoch it was for where its source tasks' failure would, inside its run (and its retries).
            sources = Task.FromException<SourceTasksResult>(ex);
        }
        return new EarlyAttempt(next.Record, lastCommitted, attempt, sources);
    }

    /// <summary>The attempt started ahead for <paramref name="record"/>, if one was and it may run: its epoch's first attempt,
    /// planned as started, the records unchanged since. Any other is settled and dropped (its staged rows never finish).</summary>
    private async Task<EarlyAttempt?> TakeEarlyAsync(OffsetLogRecord record, bool firstAttempt)
    {
        if (_early is not { } starting) return null;
        _early = null;
        if (await starting is not { } early) return null;
        if (firstAttempt && ReferenceEquals(early.Record, record) && early.LastCommitted == _records.LastCommitted) return early;
        await DropAsync(early);
        return null;
    }

    // Its source tasks' failure, if they failed, is no epoch's: the epoch runs again under a new attempt.
    private static async Task DropAsync(EarlyAttempt early)
    {
        try
        {
            await early.Sources;
        }
        catch (Exception)
        {
        }
    }

    /// <summary>Waits for the source tasks started ahead, if any, and drops their attempt: a failure or the run's end
    /// comes before the epoch it was for runs.</summary>
    private async Task SettleEarlyAsync()
    {
        if (_early is not { } starting) return;
        _early = null;
        if (await starting is { } early) await DropAsync(early);
    }

    /// <summary>An epoch's first attempt started ahead, with its source tasks running; the records' last commit when it started.</summary>
    private sealed record EarlyAttempt(OffsetLogRecord Record, long LastCommitted, IEpochAttempt Attempt, Task<SourceTasksResult> Sources);

    /// <summary>An epoch planned, not yet written ahead.</summary>
    private sealed record EpochPlan(OffsetLogRecord Record, DateTimeOffset TriggerStart, long LatestOffsetMs, PlanTiming Planning);

    /// <summary>An epoch planned, with its planning's timings and its write-ahead (complete unless planned to run beside it).</summary>
    private sealed record PlannedEpoch(OffsetLogRecord Record, DateTimeOffset TriggerStart, long LatestOffsetMs, PlanTiming Planning, Task<WriteAhead> Written);

    /// <summary>A write-ahead made durable: how long it took and the epoch's planning timings.</summary>
    private sealed record WriteAhead(long Ms, PlanTiming Timing);

    /// <summary>A write-ahead run beside its epoch failed: the query fails with <see cref="Failure"/>, as it does when one in line fails.</summary>
    private sealed class WriteAheadFailedException(ExceptionDispatchInfo failure) : Exception("The write-ahead failed.", failure.SourceException)
    {
        public ExceptionDispatchInfo Failure => failure;
    }

    private CommitLogRecord? CommitOf(long batchId) =>
        _uncommitted.Find(c => c.BatchId == batchId) ?? _records.Commits.Get(batchId);

    private void CompleteRound(bool idle)
    {
        if (idle) LastIdleRound = PlanRound;
        WasIdle = idle;
        SignalRound();
    }

    private void SignalRound()
    {
        var previous = _roundCompleted;
        _roundCompleted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }

    private async Task WaitAsync(TimeSpan delay, bool realTime)
    {
        if (_wake.IsCancellationRequested) _wake = new CancellationTokenSource();
        if (StopRequested) return;
        try
        {
            // The default trigger's polling delay is not engine time (it changes no result), so it uses the real clock;
            // processing-time intervals follow the host's TimeProvider so that tests can drive them.
            if (!realTime) WaitingAt = _time.GetUtcNow();
            await Task.Delay(delay, realTime ? TimeProvider.System : _time, _wake.Token);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            WaitingAt = null;
        }
    }
}
