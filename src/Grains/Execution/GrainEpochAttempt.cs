using OrleansStream.Engine.Execution.Streaming;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Grains.State;
using OrleansStream.Interfaces.Execution;

namespace OrleansStream.Grains.Execution;

/// <summary>
/// One attempt at an epoch in grains. Rows staged at a partition or sink live in its activation's memory, so the attempt
/// counts the stage calls every producer made to whom (deliveries), and a partition or sink finishes the attempt only when
/// it holds exactly those: an activation replaced in between fails the attempt, which runs again.
/// </summary>
internal sealed class GrainEpochAttempt(GrainEpochRuntime runtime, OffsetLogRecord record, CheckpointRecords records) : IEpochAttempt
{
    private readonly Guid _attempt = Guid.NewGuid();
    private readonly SortedSet<string> _sinkKeys = new(StringComparer.Ordinal) { runtime.SinkKey(0) };
    private readonly Dictionary<string, int> _deliveries = new(StringComparer.Ordinal);
    // Taken at the start: the next epoch's write-ahead may move commit records into the records while this attempt runs, before
    // that write is durable, and a partition may only rely on (and clean up below) a commit that is.
    private readonly long _lastCommitted = records.LastCommitted;
    private readonly Dictionary<int, int> _storedPartitions = new(records.StatePartitions);
    private readonly int _numKeyGroups = records.NumKeyGroups;
    private int _sourceTasks;

    /// <summary>The attempt's id, as its source tasks, partitions and sinks know it.</summary>
    public Guid Id => _attempt;

    private CompiledQuery Query => runtime.Run.Query;

    public async Task<SourceTasksResult> RunSourceTasksAsync(CancellationToken cancellationToken)
    {
        var work = new List<(string SourceId, Task<SourceTaskResult> Result)>();
        var taskIndex = 0;
        foreach (var (relation, connector) in Query.Sources)
        {
            var from = record.Start.GetValueOrDefault(relation.SourceId);
            var to = record.End.GetValueOrDefault(relation.SourceId);
            if (to is null || to == from) continue;
            // Records written before the count was recorded were planned with the connector's count.
            var partitions = record.SourcePartitions.GetValueOrDefault(relation.SourceId, connector.NumPartitions);
            for (var partition = 0; partition < partitions; partition++, taskIndex++)
            {
                var sinkKey = runtime.SinkKey(Query.WritesPerProducer ? taskIndex : 0);
                _sinkKeys.Add(sinkKey);
                var task = new SourceTask
                {
                    QueryKey = runtime.QueryKey, Attempt = _attempt, PlanJson = Query.PlanJson, SourceId = relation.SourceId,
                    Partition = partition, NumPartitions = partitions, StartOffset = from, EndOffset = to,
                    BatchId = record.BatchId, BatchTimestampMicros = record.BatchTimestampMs * 1000, TaskIndex = taskIndex,
                    SinkKey = sinkKey, Sink = Query.Sink,
                    StagePartitions = record.StatePartitions, NumKeyGroups = _numKeyGroups,
                };
                work.Add((relation.SourceId, runtime.Grains.Reference<ISourceTaskGrain>($"{runtime.QueryKey}|{relation.SourceId}|{partition}").RunAsync(task)));
            }
        }
        var streaming = work.Count;
        // Static leaves (batch relations, local rows) are read whole by every epoch, as Spark evaluates a batch DataFrame again
        // for each micro-batch: one task each, at the version the epoch was planned with, routed by key like any input.
        foreach (var leafId in Query.Physical.SourceStages.Where(s => s.Source!.Leaf is SourceRelation { IsStreaming: false } or LocalRelation)
                     .Select(s => s.Source!.LeafId).Distinct().Where(id => record.BatchId == 0 || !Query.Physical.ReadsOnlyInFirstEpoch(id)))
        {
            var sinkKey = runtime.SinkKey(Query.WritesPerProducer ? taskIndex : 0);
            _sinkKeys.Add(sinkKey);
            var task = new SourceTask
            {
                QueryKey = runtime.QueryKey, Attempt = _attempt, PlanJson = Query.PlanJson, SourceId = leafId,
                Partition = 0, NumPartitions = 1, EndOffset = "", IsStatic = true, StaticVersion = record.StaticVersions.GetValueOrDefault(leafId),
                BatchId = record.BatchId, BatchTimestampMicros = record.BatchTimestampMs * 1000, TaskIndex = taskIndex++,
                SinkKey = sinkKey, Sink = Query.Sink,
                StagePartitions = record.StatePartitions, NumKeyGroups = _numKeyGroups,
            };
            work.Add((leafId, runtime.Grains.Reference<ISourceTaskGrain>($"{runtime.QueryKey}|{leafId}|0").RunAsync(task)));
        }
        await Task.WhenAll(work.Select(w => w.Result));
        _sourceTasks = taskIndex;
        AddDeliveries(work.Select(w => w.Result.Result.Deliveries));
        // Progress counts the streaming sources' rows (Spark's numInputRows), not the static side read again each epoch.
        return new SourceTasksResult(
            work.Take(streaming).GroupBy(w => w.SourceId).ToDictionary(g => g.Key, g => g.Sum(w => w.Result.Result.InputRows)),
            work.Sum(w => w.Result.Result.OutputRows),
            EventTimeOf(work.Select(w => w.Result.Result)));
    }

    public async Task<IReadOnlyList<OperatorEpochResult>> FinishPartitionsAsync(CancellationToken cancellationToken)
    {
        var plan = Query.Physical;
        var sinkProducers = SinkProducers(plan);
        var result = new OperatorEpochResult[plan.KeyedStages.Count];
        // A wave's stages have all their producers in earlier waves (or source tasks), whose stage calls are all counted.
        foreach (var wave in plan.Waves)
        {
            var calls = new List<(Stage Stage, Task<PartitionResult[]> Results)>();
            foreach (var stage in wave) calls.Add((stage, FinishStageAsync(stage, sinkProducers.GetValueOrDefault(stage.Id, -1))));
            await Task.WhenAll(calls.Select(c => c.Results));
            foreach (var (stage, results) in calls)
            {
                var partitions = results.Result.Length;
                result[stage.Id] = new OperatorEpochResult(stage.Operator!.Name, partitions, results.Result.Select(Stats).ToList(), sinkProducers.ContainsKey(stage.Id))
                {
                    ReportsState = stage.Operator.ReportsState,
                };
                AddDeliveries(results.Result.Select(r => r.Deliveries));
            }
        }
        return result;
    }

    private Task<PartitionResult[]> FinishStageAsync(Stage stage, int firstSinkProducer)
    {
        var partitions = record.StatePartitions[stage.Id];
        var calls = new List<Task<PartitionResult>>(partitions);
        for (var p = 0; p < partitions; p++)
        {
            var sinkProducer = firstSinkProducer < 0 ? p : firstSinkProducer + p;
            var sinkKey = runtime.SinkKey(Query.WritesPerProducer ? sinkProducer : 0);
            if (firstSinkProducer >= 0) _sinkKeys.Add(sinkKey);
            var key = Exchange.PartitionKey(runtime.QueryKey, stage.Id, p);
            calls.Add(runtime.Grains.Reference<IStatePartitionGrain>(key).FinishAsync(new PartitionEpoch
            {
                ExpectedInputs = _deliveries.GetValueOrDefault(key),
                QueryKey = runtime.QueryKey, Attempt = _attempt, PlanJson = Query.PlanJson, StageId = stage.Id, Partition = p,
                NumPartitions = partitions, StoredPartitions = _storedPartitions.GetValueOrDefault(stage.Id, partitions),
                NumKeyGroups = _numKeyGroups, BatchId = record.BatchId, LastCommitted = _lastCommitted,
                BatchTimestampMicros = record.BatchTimestampMs * 1000,
                LateThresholdMicros = Query.Physical.Watermarks.Count > 0 ? Query.Physical.InputWatermarkMs(stage.Id, record.LateWatermarkMs) * 1000 : null,
                EvictThresholdMicros = Query.Physical.Watermarks.Count > 0 ? Query.Physical.InputWatermarkMs(stage.Id, record.WatermarkMs) * 1000 : null,
                OutputMode = Query.Sink.OutputMode, StagePartitions = record.StatePartitions,
                SinkKey = sinkKey, SinkProducer = sinkProducer, Sink = Query.Sink, SnapshotInterval = runtime.Options.StateSnapshotInterval,
                SnapshotMinIntervalMs = (long)runtime.Options.StateSnapshotMinInterval.TotalMilliseconds,
            }));
        }
        return Task.WhenAll(calls);
    }

    /// <summary>
    /// The first sink producer number of each keyed stage that outputs to the sink. Everything staged at the sink in an epoch
    /// needs its own number (a sink partition keeps one batch per number, and file sinks name their part files by it): source
    /// tasks that hand rows to the sink take 0..tasks-1, then each such stage's partitions in stage order. A chain's last
    /// stage starts at 0, so its partition p is producer p and writes to sink partition p, as before the stage graph.
    /// </summary>
    private Dictionary<int, int> SinkProducers(PhysicalPlan plan)
    {
        var next = plan.SourcesOutputToSink ? _sourceTasks : 0;
        var first = new Dictionary<int, int>();
        foreach (var stage in plan.KeyedStages)
            if (stage.Outputs.Any(o => o.IsSink))
            {
                first[stage.Id] = next;
                next += record.StatePartitions[stage.Id];
            }
        return first;
    }

    public async Task<IReadOnlyList<string>> CommitSinksAsync(CancellationToken cancellationToken)
    {
        var files = Query.Sink.DiscardsRows ? [] : await CommitSinkPartitionsAsync();
        await runtime.Hooks.OnSinkCommittedAsync(runtime.QueryKey, record.BatchId);
        return files;
    }

    // A sink that discards rows is handed none, so its partitions have nothing to commit (or to tell the subscriptions, which
    // publish the epoch when it commits): the epoch skips their round trip.
    private async Task<IReadOnlyList<string>> CommitSinkPartitionsAsync()
    {
        var run = runtime.Run;
        var files = await Task.WhenAll(_sinkKeys.Select(k => runtime.Grains.Reference<ISinkGrain>(k)
            .CommitAsync(_attempt, record.BatchId, _deliveries.GetValueOrDefault(k), Query.Sink, run.Request.Observer, run.Request.QueryId, run.Request.RunId)));
        return files.SelectMany(f => f).Order(StringComparer.Ordinal).ToList();
    }

    public async Task CommitSinkLogAsync(IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        await Query.SinkConnector.CommitAsync(record.BatchId, files, new SinkEpochContext(runtime.Run.Request.QueryId), cancellationToken);
        await runtime.Hooks.OnSinkLogWrittenAsync(runtime.QueryKey, record.BatchId);
    }

    private static PartitionStats Stats(PartitionResult r) => new()
    {
        OutputRows = r.OutputRows, NumRowsTotal = r.NumRowsTotal, NumRowsUpdated = r.NumRowsUpdated, NumRowsRemoved = r.NumRowsRemoved,
        NumRowsDroppedByWatermark = r.NumRowsDroppedByWatermark, MemoryUsedBytes = r.MemoryUsedBytes, CommitTimeMs = r.CommitTimeMs,
        StateBytesWritten = r.StateBytesWritten, WroteSnapshot = r.WroteSnapshot, PreviousWriteMs = r.PreviousWriteMs,
        AllUpdatesTimeMs = r.AllUpdatesTimeMs, AllRemovalsTimeMs = r.AllRemovalsTimeMs, CustomMetrics = r.CustomMetrics,
        NextProcessingTimerMs = r.NextProcessingTimerMs,
    };

    private void AddDeliveries(IEnumerable<Dictionary<string, int>> perProducer)
    {
        foreach (var (key, calls) in perProducer.SelectMany(d => d)) _deliveries[key] = _deliveries.GetValueOrDefault(key) + calls;
    }

    private static Dictionary<int, EventTimeStats> EventTimeOf(IEnumerable<SourceTaskResult> results)
    {
        var merged = new Dictionary<int, EventTimeStats>();
        foreach (var (id, s) in results.SelectMany(r => r.EventTime))
        {
            var stats = new EventTimeStats(s.MinMicros, s.MaxMicros, s.SumMicros, s.Count);
            merged[id] = merged.TryGetValue(id, out var m) ? EventTimeStats.Merge(m, stats) : stats;
        }
        return merged;
    }
}
