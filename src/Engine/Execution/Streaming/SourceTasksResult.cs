namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>What the source tasks of one epoch read, and how many rows they handed straight to the sink (<paramref name="OutputRows"/>).</summary>
public sealed record SourceTasksResult(IReadOnlyDictionary<string, long> InputRowsPerSource, long OutputRows, IReadOnlyDictionary<int, EventTimeStats> EventTime);
