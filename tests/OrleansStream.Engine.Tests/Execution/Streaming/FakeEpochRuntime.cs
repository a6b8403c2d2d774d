using System.Globalization;
using OrleansStream.Engine.Execution.Streaming;

namespace OrleansStream.Engine.Tests.Execution.Streaming;

/// <summary>One process's runtime over a <see cref="FakeEpochWorld"/>: its planning state lives here until a save persists it.</summary>
internal sealed class FakeEpochRuntime(FakeEpochWorld world, HashSet<string> plannedEnds) : IEpochRuntime
{
    public List<EpochProgress> Progress { get; } = [];
    public List<long> Replayed { get; } = [];
    public List<(long BatchId, int Attempt)> Retries { get; } = [];

    private int _writesInFlight;

    public async Task SaveAsync(CheckpointRecords records, CancellationToken cancellationToken)
    {
        world.MostWritesInFlight = Math.Max(world.MostWritesInFlight, ++_writesInFlight);
        try
        {
            if (world.SlowWriteAheads && records.Offsets.Records.Where(o => world.Persisted.Offsets.Get(o.BatchId) is null).Select(o => (long?)o.BatchId).Min() is { } first)
            {
                // As a real store: the records are taken now and persisted when the write completes.
                var taken = FakeEpochWorld.Copy(records);
                var ends = new HashSet<string>(plannedEnds, StringComparer.Ordinal);
                await world.WriteInFlight(first);
                world.Persist(taken, ends);
                return;
            }
            world.Persist(records, plannedEnds);
        }
        finally
        {
            _writesInFlight--;
        }
    }

    public Task<int> DefaultStatePartitionsAsync(CancellationToken cancellationToken) => Task.FromResult(2);

    public Task<IReadOnlyDictionary<string, string?>> CaptureBoundsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?> { [FakeEpochWorld.Source] = world.Input.Count.ToString(CultureInfo.InvariantCulture) });

    public Task<IReadOnlyDictionary<string, string?>> LatestOffsetsAsync(IReadOnlyList<SourceOffsetRequest> requests, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(requests.ToDictionary(r => r.SourceId, r => LatestOffset(r.PreviousEnd, r.Bound)));

    private string? LatestOffset(string? previousEnd, string? bound)
    {
        var from = FakeEpochWorld.Offset(previousEnd);
        var available = Math.Min(world.Input.Count, bound is null ? int.MaxValue : FakeEpochWorld.Offset(bound));
        return available <= from ? null : Math.Min(from + world.MaxRowsPerEpoch, available).ToString(CultureInfo.InvariantCulture);
    }

    public Task<IReadOnlyDictionary<string, string>> StaticVersionsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string> { [FakeEpochWorld.StaticLeaf] = world.StaticVersion! });

    // Like a file source, the source remembers what it handed out: planning the same range again would skip it for good.
    public void OnPlanned(string sourceId, string end) => Assert.True(plannedEnds.Add(end), $"offset {end} planned twice");

    public IEpochAttempt StartAttempt(OffsetLogRecord record, CheckpointRecords records) => new FakeEpochAttempt(world, record);

    public Task WhenStateDurableAsync(OffsetLogRecord record, CancellationToken cancellationToken)
    {
        world.DurableWaits.Add(record.BatchId);
        foreach (var version in world.StateVersions.Keys.Where(v => v <= record.BatchId)) world.DurableVersions.Add(version);
        world.Hook(EpochStep.DuringIdleCommit);
        return Task.CompletedTask;
    }

    public bool IsTransient(Exception exception) => exception is TransientFailureException;
    public void OnTrigger() { }
    public void OnIdle() { }
    public void OnProgress(EpochProgress progress) => Progress.Add(progress);
    /// <summary>What <see cref="WhenProgressReportedAsync"/> returns: a test holds it to stand for a report still being written.</summary>
    public Task ProgressReported { get; set; } = Task.CompletedTask;
    public Task WhenProgressReportedAsync(CancellationToken cancellationToken) => ProgressReported;
    public void OnReplaying(long batchId) => Replayed.Add(batchId);
    public void OnRetrying(Exception exception, long batchId, int attempt)
    {
        Retries.Add((batchId, attempt));
        world.Time.Now += world.ClockStepPerRetry;
    }
    public void OnCommitted(long batchId) { }
    public void OnLeftUncommitted(Exception exception, long lastCommitted) { }
}

/// <summary>
/// An epoch in the fake: the source tasks read the recorded range, the operator adds to the count of the previous version,
/// and the output names the epoch's count, watermark and timestamp, so that any re-planned or re-applied epoch shows.
/// </summary>
internal sealed class FakeEpochAttempt(FakeEpochWorld world, OffsetLogRecord record) : IEpochAttempt
{
    private readonly List<string> _staged = [];
    private List<long> _rows = [];

    public Task<SourceTasksResult> RunSourceTasksAsync(CancellationToken cancellationToken)
    {
        var from = FakeEpochWorld.Offset(record.Start.GetValueOrDefault(FakeEpochWorld.Source));
        var to = FakeEpochWorld.Offset(record.End.GetValueOrDefault(FakeEpochWorld.Source));
        _rows = world.Input.Skip(from).Take(to - from).ToList();
        _staged.AddRange(_rows.Select(r => $"v{r}"));
        // The static leaf's task reads it at the version the epoch recorded: its rows are that version.
        if (record.StaticVersions.TryGetValue(FakeEpochWorld.StaticLeaf, out var version)) _staged.Add($"static={version}");
        var eventTime = _rows.Count == 0
            ? new Dictionary<int, EventTimeStats>()
            : new Dictionary<int, EventTimeStats> { [0] = new(_rows.Min() * 1_000_000, _rows.Max() * 1_000_000, _rows.Sum() * 1e6, _rows.Count) };
        world.Events.Add($"sources {record.BatchId}");
        world.Hook(EpochStep.AfterSourceTasks, record.BatchId);
        return Task.FromResult(new SourceTasksResult(new Dictionary<string, long> { [FakeEpochWorld.Source] = _rows.Count }, _rows.Count, eventTime));
    }

    public Task<IReadOnlyList<OperatorEpochResult>> FinishPartitionsAsync(CancellationToken cancellationToken)
    {
        if (!world.Stateful) return Task.FromResult<IReadOnlyList<OperatorEpochResult>>([]);
        var previous = record.BatchId == 0 ? 0 : world.StateVersions.TryGetValue(record.BatchId - 1, out var p) ? p
            : throw new InvalidOperationException($"state version {record.BatchId - 1} is missing for batch {record.BatchId}");
        if (record.BatchId > 1) world.DurableVersions.Add(record.BatchId - 2);
        var count = previous + _rows.Count;
        world.StateVersions[record.BatchId] = count;
        world.Events.Add($"partitions {record.BatchId}");
        var evicted = _rows.Count(r => r * 1000 <= record.WatermarkMs);
        _staged.Add(string.Create(CultureInfo.InvariantCulture,
            $"e{record.BatchId}:count={count}:wm={record.WatermarkMs}:late={record.LateWatermarkMs}:ts={record.BatchTimestampMs}:parts={record.StatePartitions[0]}:evicted={evicted}"));
        world.Hook(EpochStep.AfterPartitions);
        return Task.FromResult<IReadOnlyList<OperatorEpochResult>>(
            [new OperatorEpochResult("fakeCount", record.StatePartitions[0], [new PartitionStats { OutputRows = _staged.Count, NumRowsTotal = count }])]);
    }

    public Task<IReadOnlyList<string>> CommitSinksAsync(CancellationToken cancellationToken)
    {
        if (world.Sink.TryGetValue(record.BatchId, out var committed))
            Assert.Equal(committed, _staged);
        else
            world.Sink[record.BatchId] = _staged.ToList();
        world.Events.Add($"sink {record.BatchId}");
        world.Hook(EpochStep.AfterSinkCommit);
        return Task.FromResult<IReadOnlyList<string>>([$"part-{record.BatchId}"]);
    }

    public Task CommitSinkLogAsync(IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        world.SinkLog.TryAdd(record.BatchId, files);
        world.Hook(EpochStep.AfterSinkLog);
        return Task.CompletedTask;
    }
}
