using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansStream.Client;
using OrleansStream.Grains.Storage;
using OrleansStream.Interfaces.Execution;

namespace OrleansStream.Grains.Execution;

/// <summary>Builds Spark's progress JSON for one committed epoch.</summary>
internal static class ProgressReport
{
    /// <summary>A phase's duration in whole milliseconds, rounded: truncating would understate every mean of a few-ms phase by half a millisecond.</summary>
    public static long Milliseconds(Stopwatch watch) => (long)Math.Round(watch.Elapsed.TotalMilliseconds);

    public static string Build(TriggerRun run, OffsetRecord record, DateTimeOffset triggerStart, DateTimeOffset end,
        IReadOnlyDictionary<string, long> inputRowsPerSource, long outputRows, long addBatchMs, long commitMs,
        IReadOnlyList<OperatorEpoch> operators, IReadOnlyDictionary<int, EventTimeSummary> eventTime, CheckpointStoreHealth storageHealth)
    {
        var totalMs = Math.Max(0, (long)Math.Round((end - triggerStart).TotalMilliseconds));
        var sinceLast = run.PreviousTriggerStart is { } prev ? (triggerStart - prev).TotalSeconds : 0;
        run.PreviousTriggerStart = triggerStart;
        var inputRows = inputRowsPerSource.Values.Sum();
        double Rate(long rows, double seconds) => seconds > 0 ? rows / seconds : 0;
        var progress = new StreamingQueryProgress
        {
            Id = run.Request.QueryId,
            RunId = run.Request.RunId,
            Name = run.Request.Spec.QueryName,
            Timestamp = triggerStart.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            BatchId = record.BatchId,
            BatchDuration = totalMs,
            NumInputRows = inputRows,
            InputRowsPerSecond = Rate(inputRows, sinceLast),
            ProcessedRowsPerSecond = Rate(inputRows, totalMs / 1000.0),
            DurationMs = new()
            {
                ["latestOffset"] = run.LatestOffsetMs,
                ["walCommit"] = run.WalCommitMs,
                ["addBatch"] = addBatchMs,
                ["commitOffsets"] = commitMs,
                ["triggerExecution"] = totalMs,
                ["checkpointStorageStall"] = storageHealth.StalledMsBetween(triggerStart, end),
            },
            Sources = run.Query.Sources.Select(s => new SourceProgress
            {
                Description = s.Connector.Description,
                StartOffset = Json(record.Start.GetValueOrDefault(s.Relation.SourceId)),
                EndOffset = Json(record.End.GetValueOrDefault(s.Relation.SourceId)),
                LatestOffset = Json(record.End.GetValueOrDefault(s.Relation.SourceId)),
                NumInputRows = inputRowsPerSource.GetValueOrDefault(s.Relation.SourceId),
                InputRowsPerSecond = Rate(inputRowsPerSource.GetValueOrDefault(s.Relation.SourceId), sinceLast),
                ProcessedRowsPerSecond = Rate(inputRowsPerSource.GetValueOrDefault(s.Relation.SourceId), totalMs / 1000.0),
                Metrics = new Dictionary<string, string>(s.Connector.Backlog),
            }).ToList(),
            Sink = new SinkProgress { Description = SinkDescription(run.Query), NumOutputRows = outputRows },
            StateOperators = operators.Select(StateOperator).ToList(),
            EventTime = EventTime(run.Query, record, eventTime),
        };
        return progress.Json;
    }

    private static StateOperatorProgress StateOperator(OperatorEpoch op) => new()
    {
        OperatorName = op.Name,
        NumRowsTotal = op.Results.Sum(r => r.NumRowsTotal),
        NumRowsUpdated = op.Results.Sum(r => r.NumRowsUpdated),
        NumRowsRemoved = op.Results.Sum(r => r.NumRowsRemoved),
        NumRowsDroppedByWatermark = op.Results.Sum(r => r.NumRowsDroppedByWatermark),
        MemoryUsedBytes = op.Results.Sum(r => r.MemoryUsedBytes),
        CommitTimeMs = op.Results.Count == 0 ? 0 : op.Results.Max(r => r.CommitTimeMs),
        NumShufflePartitions = op.Partitions,
        CustomMetrics = new()
        {
            ["stateBytesWritten"] = op.Results.Sum(r => r.StateBytesWritten),
            ["snapshotsWritten"] = op.Results.Count(r => r.WroteSnapshot),
            ["backgroundWriteTimeMs"] = op.Results.Count == 0 ? 0 : op.Results.Max(r => r.PreviousWriteMs),
        },
    };

    // Spark reports the event times seen in the epoch and the watermark it ran with, as ISO-8601 UTC.
    private static Dictionary<string, string> EventTime(CompiledQuery query, OffsetRecord record, IReadOnlyDictionary<int, EventTimeSummary> eventTime)
    {
        var result = new Dictionary<string, string>();
        if (query.Physical.Watermarks.Count == 0) return result;
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

    private static string Iso(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string SinkDescription(CompiledQuery query) => query.Sink.Format.ToLowerInvariant() switch
    {
        "memory" => "MemorySink",
        "console" => "org.apache.spark.sql.execution.streaming.ConsoleTable$",
        "foreachbatch" => "ForeachBatchSink",
        "noop" => "NoopTable",
        var f => $"FileSink[{query.Sink.Options.GetValueOrDefault("path")}] ({f})",
    };

    private static JsonElement? Json(string? offset)
    {
        if (offset is null) return null;
        using var doc = JsonDocument.Parse(offset);
        return doc.RootElement.Clone();
    }
}
