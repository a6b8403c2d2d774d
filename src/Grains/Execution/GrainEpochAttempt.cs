using OrleansStream.Engine.Execution.Streaming;
using OrleansStream.Engine.Connectors;
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
    private Dictionary<string, int> _deliveries = new(StringComparer.Ordinal);

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
                    QueryKey = runtime.QueryKey, Attempt = _attempt, PlanJson = runtime.Run.Request.Spec.PlanJson, SourceId = relation.SourceId,
                    Partition = partition, NumPartitions = partitions, StartOffset = from, EndOffset = to,
                    BatchId = record.BatchId, BatchTimestampMicros = record.BatchTimestampMs * 1000, TaskIndex = taskIndex,
                    SinkKey = sinkKey, Sink = Query.Sink,
                    StatePartitions = Query.Physical.IsStateful ? record.StatePartitions[0] : 0, NumKeyGroups = records.NumKeyGroups,
                };
                work.Add((relation.SourceId, runtime.Grains.GetGrain<ISourceTaskGrain>($"{runtime.QueryKey}|{relation.SourceId}|{partition}").RunAsync(task)));
            }
        }
        await Task.WhenAll(work.Select(w => w.Result));
        _deliveries = Deliveries(work.Select(w => w.Result.Result.Deliveries));
        return new SourceTasksResult(
            work.GroupBy(w => w.SourceId).ToDictionary(g => g.Key, g => g.Sum(w => w.Result.Result.InputRows)),
            work.Sum(w => w.Result.Result.OutputRows),
            EventTimeOf(work.Select(w => w.Result.Result)));
    }

    public async Task<IReadOnlyList<OperatorEpochResult>> FinishPartitionsAsync(CancellationToken cancellationToken)
    {
        var result = new List<OperatorEpochResult>();
        var ops = Query.Physical.StatefulOperators;
        for (var k = 0; k < ops.Count; k++)
        {
            var partitions = record.StatePartitions[ops[k].Id];
            var last = k == ops.Count - 1;
            var calls = new List<Task<PartitionResult>>();
            for (var p = 0; p < partitions; p++)
            {
                var sinkKey = runtime.SinkKey(Query.WritesPerProducer ? p : 0);
                if (last) _sinkKeys.Add(sinkKey);
                var key = Exchange.PartitionKey(runtime.QueryKey, ops[k].Id, p);
                calls.Add(runtime.Grains.GetGrain<IStatePartitionGrain>(key).FinishAsync(new PartitionEpoch
                {
                    ExpectedInputs = _deliveries.GetValueOrDefault(key),
                    QueryKey = runtime.QueryKey, Attempt = _attempt, PlanJson = runtime.Run.Request.Spec.PlanJson, OperatorId = ops[k].Id, Partition = p,
                    NumPartitions = partitions, StoredPartitions = records.StatePartitions.GetValueOrDefault(ops[k].Id, partitions),
                    NumKeyGroups = records.NumKeyGroups, BatchId = record.BatchId, LastCommitted = records.LastCommitted,
                    BatchTimestampMicros = record.BatchTimestampMs * 1000,
                    LateThresholdMicros = Query.Physical.Watermarks.Count > 0 ? record.LateWatermarkMs * 1000 : null,
                    EvictThresholdMicros = Query.Physical.Watermarks.Count > 0 ? record.WatermarkMs * 1000 : null,
                    OutputMode = Query.Sink.OutputMode, NextPartitions = last ? 0 : record.StatePartitions[ops[k + 1].Id],
                    SinkKey = sinkKey, Sink = Query.Sink, SnapshotInterval = runtime.Options.StateSnapshotInterval,
                }));
            }
            var results = await Task.WhenAll(calls);
            result.Add(new OperatorEpochResult(ops[k].Name, partitions, results.Select(Stats).ToList()));
            _deliveries = Deliveries(results.Select(r => r.Deliveries));
        }
        return result;
    }

    public async Task<IReadOnlyList<string>> CommitSinksAsync(CancellationToken cancellationToken)
    {
        var run = runtime.Run;
        var files = await Task.WhenAll(_sinkKeys.Select(k => runtime.Grains.GetGrain<ISinkGrain>(k)
            .CommitAsync(_attempt, record.BatchId, _deliveries.GetValueOrDefault(k), Query.Sink, run.Request.Observer, run.Request.QueryId, run.Request.RunId)));
        await runtime.HangIfAskedAsync(record.BatchId, afterSinkLog: false);
        return files.SelectMany(f => f).Order(StringComparer.Ordinal).ToList();
    }

    public async Task CommitSinkLogAsync(IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        await Query.SinkConnector.CommitAsync(record.BatchId, files, new SinkEpochContext(runtime.Run.Request.QueryId), cancellationToken);
        await runtime.HangIfAskedAsync(record.BatchId, afterSinkLog: true);
    }

    private static PartitionStats Stats(PartitionResult r) => new()
    {
        OutputRows = r.OutputRows, NumRowsTotal = r.NumRowsTotal, NumRowsUpdated = r.NumRowsUpdated, NumRowsRemoved = r.NumRowsRemoved,
        NumRowsDroppedByWatermark = r.NumRowsDroppedByWatermark, MemoryUsedBytes = r.MemoryUsedBytes, CommitTimeMs = r.CommitTimeMs,
        StateBytesWritten = r.StateBytesWritten, WroteSnapshot = r.WroteSnapshot, PreviousWriteMs = r.PreviousWriteMs,
    };

    private static Dictionary<string, int> Deliveries(IEnumerable<Dictionary<string, int>> perProducer)
    {
        var total = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (key, calls) in perProducer.SelectMany(d => d)) total[key] = total.GetValueOrDefault(key) + calls;
        return total;
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
