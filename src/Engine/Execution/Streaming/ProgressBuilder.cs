using System.Diagnostics;
using System.Globalization;

namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>Builds the progress of each epoch of one run (rates are since the previous trigger of the run).</summary>
public sealed class ProgressBuilder(EpochQuery query)
{
    private DateTimeOffset? _previousTriggerStart;

    /// <summary>A phase's duration in whole milliseconds, rounded: truncating would understate every mean of a few-ms phase by half a millisecond.</summary>
    public static long Milliseconds(Stopwatch watch) => (long)Math.Round(watch.Elapsed.TotalMilliseconds);

    public EpochProgress Build(OffsetLogRecord record, DateTimeOffset triggerStart, DateTimeOffset end,
        IReadOnlyDictionary<string, long> inputRowsPerSource, long outputRows, EpochPhases phases,
        IReadOnlyList<OperatorEpochResult> operators, IReadOnlyDictionary<int, EventTimeStats> eventTime)
    {
        var totalMs = Math.Max(0, (long)Math.Round((end - triggerStart).TotalMilliseconds));
        var sinceLast = _previousTriggerStart is { } prev ? (triggerStart - prev).TotalSeconds : 0;
        _previousTriggerStart = triggerStart;
        var inputRows = inputRowsPerSource.Values.Sum();
        static double Rate(long rows, double seconds) => seconds > 0 ? rows / seconds : 0;
        return new EpochProgress
        {
            BatchId = record.BatchId,
            TriggerStart = triggerStart,
            End = end,
            Timestamp = Iso(triggerStart),
            BatchDurationMs = totalMs,
            NumInputRows = inputRows,
            InputRowsPerSecond = Rate(inputRows, sinceLast),
            // SPARK-29973: an epoch counts as at least 1 ms, so a fast epoch's rate is rows per ms, not 0.
            ProcessedRowsPerSecond = Rate(inputRows, Math.Max(1, totalMs) / 1000.0),
            DurationMs =
            [
                new("latestOffset", phases.LatestOffsetMs), new("queryPlanning", phases.QueryPlanningMs), new("getBatch", phases.GetBatchMs),
                new("walCommit", phases.WalCommitMs), new("addBatch", phases.AddBatchMs), new("commitOffsets", phases.CommitOffsetsMs),
                new("triggerExecution", totalMs),
            ],
            Sources = query.Sources.Select(s => new EpochProgress.Source(s.Id,
                record.Start.GetValueOrDefault(s.Id), record.End.GetValueOrDefault(s.Id),
                inputRowsPerSource.GetValueOrDefault(s.Id),
                Rate(inputRowsPerSource.GetValueOrDefault(s.Id), sinceLast),
                Rate(inputRowsPerSource.GetValueOrDefault(s.Id), Math.Max(1, totalMs) / 1000.0))).ToList(),
            NumOutputRows = outputRows,
            StateOperators = operators.Where(o => o.ReportsState).Select(StateOperator).ToList(),
            EventTime = EventTime(record, eventTime),
        };
    }

    /// <summary>
    /// Spark's progress of a trigger that ran no epoch (reported every noDataProgressEventInterval while the query is idle):
    /// the next epoch's id, no input and no output, the sources at the offsets the last epoch ended at, and the state
    /// operators of the last epoch with nothing updated or dropped. The input rate's reference stays the last epoch's trigger.
    /// </summary>
    public EpochProgress BuildIdle(long batchId, OffsetLogRecord? last, EpochProgress? lastEpoch, DateTimeOffset triggerStart, DateTimeOffset end, long latestOffsetMs)
    {
        var totalMs = Math.Max(0, (long)Math.Round((end - triggerStart).TotalMilliseconds));
        var eventTime = new Dictionary<string, string>();
        if (query.Watermarks.Count > 0) eventTime["watermark"] = Iso(last?.WatermarkMs ?? 0);
        return new EpochProgress
        {
            BatchId = batchId,
            TriggerStart = triggerStart,
            End = end,
            Timestamp = Iso(triggerStart),
            BatchDurationMs = totalMs,
            NumInputRows = 0,
            InputRowsPerSecond = 0,
            ProcessedRowsPerSecond = 0,
            DurationMs = [new("latestOffset", latestOffsetMs), new("triggerExecution", totalMs)],
            Sources = query.Sources.Select(s => new EpochProgress.Source(s.Id,
                last?.End.GetValueOrDefault(s.Id), last?.End.GetValueOrDefault(s.Id), 0, 0, 0)).ToList(),
            NumOutputRows = 0,
            StateOperators = lastEpoch?.StateOperators.Select(op => op with { NumRowsUpdated = 0, NumRowsDroppedByWatermark = 0 }).ToList() ?? [],
            EventTime = eventTime,
        };
    }

    // One pass over the partitions' answers (every epoch builds this; a LINQ pass per counter allocated an enumerator each).
    private static EpochProgress.StateOperator StateOperator(OperatorEpochResult op)
    {
        long total = 0, updated = 0, removed = 0, dropped = 0, memory = 0, commitMs = 0, bytes = 0, snapshots = 0, previousWriteMs = 0, updatesMs = 0, removalsMs = 0;
        var metrics = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < op.Results.Count; i++)
        {
            var r = op.Results[i];
            total += r.NumRowsTotal;
            updated += r.NumRowsUpdated;
            removed += r.NumRowsRemoved;
            dropped += r.NumRowsDroppedByWatermark;
            memory += r.MemoryUsedBytes;
            commitMs = Math.Max(commitMs, r.CommitTimeMs);
            bytes += r.StateBytesWritten;
            snapshots += r.WroteSnapshot ? 1 : 0;
            previousWriteMs = Math.Max(previousWriteMs, r.PreviousWriteMs);
            updatesMs += r.AllUpdatesTimeMs;
            removalsMs += r.AllRemovalsTimeMs;
            foreach (var (name, value) in r.CustomMetrics) metrics[name] = metrics.GetValueOrDefault(name) + value;
        }
        return new(op.Name, total, updated, removed, dropped, memory, commitMs, op.Partitions, bytes, snapshots, previousWriteMs)
        {
            AllUpdatesTimeMs = updatesMs,
            AllRemovalsTimeMs = removalsMs,
            NumStateStoreInstances = op.Partitions,
            CustomMetrics = metrics,
        };
    }

    // Spark reports the event times seen in the epoch and the watermark it ran with, as ISO-8601 UTC.
    private Dictionary<string, string> EventTime(OffsetLogRecord record, IReadOnlyDictionary<int, EventTimeStats> eventTime)
    {
        var result = new Dictionary<string, string>();
        if (query.Watermarks.Count == 0) return result;
        if (eventTime.Count > 0)
        {
            var count = eventTime.Values.Sum(s => s.Count);
            result["min"] = Iso(eventTime.Values.Min(s => s.MinMicros) / 1000);
            result["max"] = Iso(eventTime.Values.Max(s => s.MaxMicros) / 1000);
            result["avg"] = Iso((long)(eventTime.Values.Sum(s => s.SumMicros) / count / 1000));
        }
        result["watermark"] = Iso(record.WatermarkMs);
        return result;
    }

    private static string Iso(long ms) => Iso(DateTimeOffset.FromUnixTimeMilliseconds(ms));

    private static string Iso(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
