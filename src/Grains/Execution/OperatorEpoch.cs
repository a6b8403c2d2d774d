using OrleansStream.Interfaces.Execution;

namespace OrleansStream.Grains.Execution;

/// <summary>What every partition of one stateful operator did in an epoch.</summary>
internal sealed record OperatorEpoch(string Name, int Partitions, IReadOnlyList<PartitionResult> Results);
