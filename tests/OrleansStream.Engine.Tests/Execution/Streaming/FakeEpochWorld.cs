using System.Globalization;
using OrleansStream.Engine.Execution.Streaming;
using OrleansStream.Engine.Planning;

namespace OrleansStream.Engine.Tests.Execution.Streaming;

/// <summary>The steps of the epoch protocol at which <see cref="FakeEpochWorld"/> can crash or fail.</summary>
public enum EpochStep
{
    BeforeWriteAhead,
    AfterWriteAhead,
    AfterSourceTasks,
    AfterPartitions,
    AfterSinkCommit,
    AfterSinkLog,
    BeforeCommitRecord,
    AfterCommitRecord,
    DuringIdleCommit,
}

/// <summary>The process died: everything not persisted is gone.</summary>
internal sealed class CrashException(EpochStep step) : Exception($"crash at {step}");

/// <summary>A transient infrastructure failure: the coordinator retries.</summary>
internal sealed class TransientFailureException(EpochStep step) : Exception($"transient failure at {step}");

/// <summary>
/// What survives a crash of a fake query: the input, the persisted checkpoint records and source planning state, the state
/// versions partitions made durable, the sink and its log; plus a clock. One source ("s") of event times in seconds, limited
/// to <see cref="MaxRowsPerEpoch"/> rows an epoch; one stateful operator keeping a running count, evicting by a 5 s watermark.
/// </summary>
internal sealed class FakeEpochWorld
{
    public const string Source = "s";
    private readonly Dictionary<EpochStep, int> _seen = new();
    private (EpochStep Step, int Occurrence, bool Transient)? _fault;
    private CheckpointRecords _persisted = new();
    private HashSet<string> _persistedPlannedEnds = new(StringComparer.Ordinal);

    public List<long> Input { get; } = [];
    /// <summary>The default trigger's polling delay of the coordinators this world starts.</summary>
    public TimeSpan PollingDelay { get; set; } = TimeSpan.FromMilliseconds(10);
    public int MaxRowsPerEpoch { get; init; } = 2;
    public bool Stateful { get; init; } = true;
    /// <summary>Whether the query has its 5 s watermark; without one an AvailableNow run plans each epoch while the previous runs.</summary>
    public bool Watermarked { get; init; } = true;
    /// <summary>The coordinator's PlanAhead option.</summary>
    public bool PlanAhead { get; init; } = true;
    /// <summary>The coordinator's WriteAheadGroup option (null: its default).</summary>
    public int? WriteAheadGroup { get; init; }
    /// <summary>The most writes a runtime of this world had in flight at once (the protocol allows one).</summary>
    public int MostWritesInFlight { get; set; }
    /// <summary>Whether a save that adds an offset record is taken at once but persisted only at the next step of an epoch
    /// (<see cref="Hook"/>), as a real store's write is still in flight while the coordinator goes on.</summary>
    public bool SlowWriteAheads { get; init; }
    /// <summary>With <see cref="SlowWriteAheads"/>: the only step at which writes in flight are persisted (null: any step),
    /// so that a write can be kept in flight until an epoch's source tasks have run.</summary>
    public EpochStep? WriteAheadsPersistAt { get; init; }
    /// <summary>With <see cref="SlowWriteAheads"/>: a write in flight is persisted only when the first epoch it records runs
    /// its source tasks (beside its write), as a write slower than all the epochs run meanwhile: every group's first epoch
    /// then waits on its group's write.</summary>
    public bool WriteAheadsPersistWithTheirFirstEpoch { get; init; }
    /// <summary>The coordinator's WriteAheadGroupGrowth option (null: its default).</summary>
    public int? WriteAheadGroupGrowth { get; init; }
    private readonly List<(TaskCompletionSource Write, long FirstBatchId)> _writesInFlight = [];
    /// <summary>The protocol's steps in the order they happened: "wal e" (offset record e persisted), "commit e", "sources e", "partitions e", "sink e".</summary>
    public List<string> Events { get; } = [];
    public ManualTime Time { get; } = new(DateTimeOffset.FromUnixTimeSeconds(1_000_000));

    /// <summary>How far the clock moves at each retry (the retry budget is measured on it); zero by default.</summary>
    public TimeSpan ClockStepPerRetry { get; set; }
    /// <summary>Committed output per batch id (first commit wins; a replay must produce the same rows).</summary>
    public SortedDictionary<long, IReadOnlyList<string>> Sink { get; } = new();
    public SortedDictionary<long, IReadOnlyList<string>> SinkLog { get; } = new();
    /// <summary>Durable state versions of the operator: batch id → running count.</summary>
    public Dictionary<long, long> StateVersions { get; } = new();
    /// <summary>Versions written durably (a partition answers epoch e only once version e-2 is; a wait makes the waited one so).</summary>
    public HashSet<long> DurableVersions { get; } = [];
    /// <summary>Every offset record as first persisted, per batch id.</summary>
    public SortedDictionary<long, OffsetLogRecord> WriteAheads { get; } = new();
    /// <summary>Per save: the batch ids of the offset and commit records it added.</summary>
    public List<(long[] Offsets, long[] Commits)> Saves { get; } = [];
    public List<long> DurableWaits { get; } = [];
    public int Fired { get; private set; }
    public int StatePartitions { get; set; } = 2;
    public bool Resumed { get; set; }
    /// <summary>The runs' telemetry (none by default).</summary>
    public OrleansStream.Engine.Telemetry.QueryTelemetry? Telemetry { get; set; }
    public CheckpointRecords Persisted => _persisted;

    public EpochQuery Query => new(
        [new EpochSource(Source, 2)],
        Stateful ? [new EpochOperator(0, "fakeCount", EvictsByWatermark: true)] : [],
        Watermarked ? [new WatermarkSpec(0, "ts", 5000)] : []) { StaticLeaves = StaticVersion is null ? [] : [StaticLeaf], SourceTasksRunAhead = SourceTasksRunAhead };

    /// <summary>The query's <see cref="EpochQuery.SourceTasksRunAhead"/>: under AvailableNow the next epoch's source tasks start
    /// while the running epoch finishes.</summary>
    public bool SourceTasksRunAhead { get; init; } = true;

    /// <summary>The id of the static leaf (a batch relation the query reads every epoch) when <see cref="StaticVersion"/> is set.</summary>
    public const string StaticLeaf = "static";

    /// <summary>The static leaf's version now (its content: an epoch that reads it outputs it), or null for a query without one.</summary>
    public string? StaticVersion { get; set; }

    public void FaultAt(EpochStep step, int occurrence, bool transient = false)
    {
        _seen.Clear();
        _fault = (step, occurrence, transient);
    }

    /// <summary>A write taken and not yet persisted (<see cref="SlowWriteAheads"/>): it completes at the next step.</summary>
    public Task WriteInFlight(long firstBatchId)
    {
        var write = new TaskCompletionSource();
        _writesInFlight.Add((write, firstBatchId));
        return write.Task;
    }

    /// <param name="batchId">The epoch whose step this is, where the step has one.</param>
    public void Hook(EpochStep step, long? batchId = null)
    {
        // A step of an epoch took time: the writes in flight meanwhile are persisted (or fail) first, in line.
        if (WriteAheadsPersistWithTheirFirstEpoch ? step == EpochStep.AfterSourceTasks && batchId is not null
            : WriteAheadsPersistAt is null || WriteAheadsPersistAt == step)
        {
            var inFlight = _writesInFlight.Where(w => batchId is not { } b || !WriteAheadsPersistWithTheirFirstEpoch || w.FirstBatchId <= b).ToList();
            _writesInFlight.RemoveAll(inFlight.Contains);
            foreach (var (write, _) in inFlight) write.SetResult();
        }
        _seen[step] = _seen.GetValueOrDefault(step) + 1;
        // Occurrence 0: every time (a failure that outlasts the retry budget).
        if (_fault is not { } f || f.Step != step || (f.Occurrence != 0 && f.Occurrence != _seen[step])) return;
        Fired++;
        if (!f.Transient) _fault = null;
        // A transient failure is a host that died: the state versions its partitions had staged and not yet written are gone.
        else foreach (var staged in StateVersions.Keys.Where(v => !DurableVersions.Contains(v)).ToList()) StateVersions.Remove(staged);
        throw f.Transient ? new TransientFailureException(step) : new CrashException(step);
    }

    public void StopFaults() => _fault = null;

    /// <summary>How often <paramref name="step"/> happened since the last <see cref="FaultAt"/> (or the world's start).</summary>
    public int Seen(EpochStep step) => _seen.GetValueOrDefault(step);

    /// <summary>A new coordinator process over what was persisted; state partitions drop versions newer than the last commit.</summary>
    public (EpochCoordinator Coordinator, FakeEpochRuntime Runtime) Start(TriggerPolicy? trigger = null, TimeSpan? retryBudget = null)
    {
        var lastCommitted = _persisted.LastCommitted;
        // The process died with its writes in flight: they never reach the store.
        _writesInFlight.Clear();
        foreach (var staged in StateVersions.Keys.Where(v => v > lastCommitted || !DurableVersions.Contains(v)).ToList()) StateVersions.Remove(staged);
        if (Stateful && lastCommitted >= 0) Assert.True(StateVersions.ContainsKey(lastCommitted), $"committed state version {lastCommitted} was not durable");
        var runtime = new FakeEpochRuntime(this, new HashSet<string>(_persistedPlannedEnds, StringComparer.Ordinal));
        var options = new EpochCoordinatorOptions
        {
            Trigger = trigger ?? TriggerPolicy.AvailableNow,
            Resumed = Resumed,
            PlanAhead = PlanAhead,
            PollingDelay = PollingDelay,
            StatePartitions = StatePartitions,
            EpochRetryDelay = TimeSpan.FromMilliseconds(1),
            EpochRetryMaxDelay = TimeSpan.FromMilliseconds(4),
            EpochRetryBudget = retryBudget ?? TimeSpan.FromSeconds(10),
            Telemetry = Telemetry,
        };
        if (WriteAheadGroup is { } group) options = options with { WriteAheadGroup = group };
        if (WriteAheadGroupGrowth is { } growth) options = options with { WriteAheadGroupGrowth = growth };
        var coordinator = new EpochCoordinator(runtime, Copy(_persisted), Query, options, Time);
        return (coordinator, runtime);
    }

    /// <summary>Runs the query until it is idle, restarting it after every crash.</summary>
    public async Task RunUntilIdleAsync()
    {
        for (var restarts = 0; ; restarts++)
        {
            Assert.True(restarts < 20, "the query does not recover");
            var (coordinator, _) = Start();
            try
            {
                // With writes in flight, a coordinator that waits for one before the epoch's next step would wait forever.
                var run = coordinator.RunAsync(CancellationToken.None);
                await (SlowWriteAheads ? run.WaitAsync(TimeSpan.FromSeconds(10)) : run);
                return;
            }
            catch (CrashException)
            {
            }
        }
    }

    /// <summary>Adds each chunk of input 100 s after the one before and runs the query until it is idle; with
    /// <paramref name="stopAfterFirstFire"/>, the armed fault fires no more once it has fired.</summary>
    public async Task RunChunksAsync(IEnumerable<long[]> chunks, bool stopAfterFirstFire = false)
    {
        foreach (var chunk in chunks)
        {
            Time.Now += TimeSpan.FromSeconds(100);
            Input.AddRange(chunk);
            await RunUntilIdleAsync();
            if (stopAfterFirstFire && Fired > 0) StopFaults();
        }
    }

    public void Persist(CheckpointRecords records, IReadOnlySet<string> plannedEnds)
    {
        var newOffsets = records.Offsets.Records.Where(o => _persisted.Offsets.Get(o.BatchId) is null).ToList();
        var newCommits = records.Commits.Records.Where(c => _persisted.Commits.Get(c.BatchId) is null).ToList();
        foreach (var offsets in newOffsets)
            if (WriteAheads.TryGetValue(offsets.BatchId, out var first))
                Assert.True(first.SameAs(offsets), $"batch {offsets.BatchId} planned twice with other offsets");
        // A commit record is written only once its epoch's state version is durable.
        foreach (var commit in newCommits)
            if (Stateful) Assert.True(DurableVersions.Contains(commit.BatchId), $"batch {commit.BatchId} committed before its state version was durable");
        if (newOffsets.Count > 0) Hook(EpochStep.BeforeWriteAhead);
        if (newCommits.Count > 0) Hook(EpochStep.BeforeCommitRecord);
        _persisted = Copy(records);
        _persistedPlannedEnds = new HashSet<string>(plannedEnds, StringComparer.Ordinal);
        foreach (var offsets in newOffsets) WriteAheads.TryAdd(offsets.BatchId, offsets);
        Saves.Add((newOffsets.Select(o => o.BatchId).ToArray(), newCommits.Select(c => c.BatchId).ToArray()));
        Events.AddRange(newOffsets.Select(o => $"wal {o.BatchId}").Concat(newCommits.Select(c => $"commit {c.BatchId}")));
        if (newOffsets.Count > 0) Hook(EpochStep.AfterWriteAhead);
        if (newCommits.Count > 0) Hook(EpochStep.AfterCommitRecord);
    }

    public static CheckpointRecords Copy(CheckpointRecords source)
    {
        var copy = new CheckpointRecords { NumKeyGroups = source.NumKeyGroups, WatermarkPolicy = source.WatermarkPolicy };
        foreach (var o in source.Offsets.Records) copy.Offsets.Add(o);
        foreach (var c in source.Commits.Records) copy.Commits.Add(c);
        foreach (var (k, v) in source.StatePartitions) copy.StatePartitions[k] = v;
        foreach (var (k, v) in source.EventTimeMaxMs) copy.EventTimeMaxMs[k] = v;
        return copy;
    }

    public static int Offset(string? offset) => offset is null ? 0 : int.Parse(offset, CultureInfo.InvariantCulture);
}

/// <summary>A clock that moves only when the test moves it.</summary>
internal sealed class ManualTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;
    public override DateTimeOffset GetUtcNow() => Now;
}
