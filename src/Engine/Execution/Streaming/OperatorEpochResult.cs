namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>What every partition of one keyed stage did in an epoch; <paramref name="OutputsToSink"/> when its output rows reached the sink.</summary>
public sealed record OperatorEpochResult(string Name, int Partitions, IReadOnlyList<PartitionStats> Results, bool OutputsToSink = false);
