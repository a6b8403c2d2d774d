using System.Globalization;
using System.Text.Json;
using OrleansStream.Client;

namespace OrleansStream.Grains.Execution;

/// <summary>Builds Spark's progress JSON for one committed epoch.</summary>
internal static class ProgressReport
{
    public static string Build(TriggerRun run, OffsetRecord record, DateTimeOffset triggerStart, DateTimeOffset end,
        IReadOnlyDictionary<string, long> inputRowsPerSource, long outputRows, long addBatchMs, long commitMs)
    {
        var totalMs = Math.Max(0, (long)(end - triggerStart).TotalMilliseconds);
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
            }).ToList(),
            Sink = new SinkProgress { Description = SinkDescription(run.Query), NumOutputRows = outputRows },
        };
        return progress.Json;
    }

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
