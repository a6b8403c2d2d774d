namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>What the source tasks of one epoch read and emitted.</summary>
public sealed record SourceTasksResult(IReadOnlyDictionary<string, long> InputRowsPerSource, long OutputRows, IReadOnlyDictionary<int, EventTimeStats> EventTime);
