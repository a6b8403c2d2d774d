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
        IReadOnlyDictionary<string, long> inputRowsPerSource, long outputRows, long latestOffsetMs, long walCommitMs, long addBatchMs, long commitMs,
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
            ProcessedRowsPerSecond = Rate(inputRows, totalMs / 1000.0),
            DurationMs =
            [
                new("latestOffset", latestOffsetMs), new("walCommit", walCommitMs), new("addBatch", addBatchMs),
                new("commitOffsets", commitMs), new("triggerExecution", totalMs),
            ],
            Sources = query.Sources.Select(s => new EpochProgress.Source(s.Id,
                record.Start.GetValueOrDefault(s.Id), record.End.GetValueOrDefault(s.Id),
                inputRowsPerSource.GetValueOrDefault(s.Id),
                Rate(inputRowsPerSource.GetValueOrDefault(s.Id), sinceLast),
                Rate(inputRowsPerSource.GetValueOrDefault(s.Id), totalMs / 1000.0))).ToList(),
            NumOutputRows = outputRows,
            StateOperators = operators.Select(StateOperator).ToList(),
            EventTime = EventTime(record, eventTime),
        };
    }

    private static EpochProgress.StateOperator StateOperator(OperatorEpochResult op) => new(
        op.Name,
        op.Results.Sum(r => r.NumRowsTotal),
        op.Results.Sum(r => r.NumRowsUpdated),
        op.Results.Sum(r => r.NumRowsRemoved),
        op.Results.Sum(r => r.NumRowsDroppedByWatermark),
        op.Results.Sum(r => r.MemoryUsedBytes),
        op.Results.Count == 0 ? 0 : op.Results.Max(r => r.CommitTimeMs),
        op.Partitions,
        op.Results.Sum(r => r.StateBytesWritten),
        op.Results.Count(r => r.WroteSnapshot),
        op.Results.Count == 0 ? 0 : op.Results.Max(r => r.PreviousWriteMs));

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
