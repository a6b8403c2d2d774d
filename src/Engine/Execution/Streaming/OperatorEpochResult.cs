namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>What every partition of one stateful operator did in an epoch.</summary>
public sealed record OperatorEpochResult(string Name, int Partitions, IReadOnlyList<PartitionStats> Results);
