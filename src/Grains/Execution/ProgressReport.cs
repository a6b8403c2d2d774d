using OrleansStream.Interfaces.Progress;
using OrleansStream.Engine.Execution.Streaming;
using OrleansStream.Engine.Connectors;

namespace OrleansStream.Grains.Execution;

/// <summary>An epoch's progress as Spark's progress (written as its JSON), with the query's identity and descriptions and the silo's storage stall.</summary>
internal static class ProgressReport
{
    /// <param name="storageStallMs">The silo's checkpoint storage stall during the epoch (ms).</param>
    /// <param name="backlogs">Each of the run's sources' backlog when the epoch ended, in the order of its sources.</param>
    public static StreamingQueryProgress Of(EpochProgress p, TriggerRun run, long storageStallMs, IReadOnlyList<IReadOnlyDictionary<string, string>> backlogs)
    {
        var connectors = new Dictionary<string, (IStreamSource Connector, IReadOnlyDictionary<string, string> Backlog)>(run.Query.Sources.Count);
        for (var i = 0; i < run.Query.Sources.Count; i++) connectors[run.Query.Sources[i].Relation.SourceId] = (run.Query.Sources[i].Connector, backlogs[i]);
        // Spark writes durationMs with its keys sorted.
        var durations = p.DurationMs
            .Append(new("checkpointStorageStall", storageStallMs))
            .OrderBy(d => d.Key, StringComparer.Ordinal)
            .ToDictionary(d => d.Key, d => d.Value);
        return new StreamingQueryProgress
        {
            Id = run.Request.QueryId,
            RunId = run.Request.RunId,
            Name = run.Request.Spec.QueryName,
            Timestamp = p.Timestamp,
            BatchId = p.BatchId,
            BatchDuration = p.BatchDurationMs,
            NumInputRows = p.NumInputRows,
            InputRowsPerSecond = p.InputRowsPerSecond,
            ProcessedRowsPerSecond = p.ProcessedRowsPerSecond,
            DurationMs = durations,
            Sources = p.Sources.Select(s => new SourceProgress
            {
                Description = connectors[s.SourceId].Connector.Description,
                StartOffset = run.OffsetJson.Of(s.SourceId, s.StartOffset),
                EndOffset = run.OffsetJson.Of(s.SourceId, s.EndOffset),
                LatestOffset = run.OffsetJson.Of(s.SourceId, s.EndOffset),
                NumInputRows = s.NumInputRows,
                InputRowsPerSecond = s.InputRowsPerSecond,
                ProcessedRowsPerSecond = s.ProcessedRowsPerSecond,
                Metrics = new Dictionary<string, string>(connectors[s.SourceId].Backlog),
            }).ToList(),
            Sink = new SinkProgress { Description = SinkDescription(run.Query), NumOutputRows = p.NumOutputRows },
            StateOperators = p.StateOperators.Select(op => new StateOperatorProgress
            {
                OperatorName = op.OperatorName,
                NumRowsTotal = op.NumRowsTotal,
                NumRowsUpdated = op.NumRowsUpdated,
                AllUpdatesTimeMs = op.AllUpdatesTimeMs,
                NumRowsRemoved = op.NumRowsRemoved,
                AllRemovalsTimeMs = op.AllRemovalsTimeMs,
                NumRowsDroppedByWatermark = op.NumRowsDroppedByWatermark,
                MemoryUsedBytes = op.MemoryUsedBytes,
                CommitTimeMs = op.CommitTimeMs,
                NumShufflePartitions = op.NumShufflePartitions,
                NumStateStoreInstances = op.NumStateStoreInstances,
                CustomMetrics = new Dictionary<string, long>(op.CustomMetrics)
                {
                    ["stateBytesWritten"] = op.StateBytesWritten,
                    ["snapshotsWritten"] = op.SnapshotsWritten,
                    ["backgroundWriteTimeMs"] = op.BackgroundWriteTimeMs,
                },
            }).ToList(),
            EventTime = p.EventTime.ToDictionary(e => e.Key, e => e.Value),
        };
    }

    private static string SinkDescription(CompiledQuery query) => query.SinkConnector.Description;
}
