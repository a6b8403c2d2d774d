namespace OrleansStream.Engine.Connectors;

/// <summary>Which writer: the epoch, the sink partition and the attempt (a replay of the epoch is a new attempt).</summary>
/// <param name="Epoch">The epoch (batch id).</param>
/// <param name="Partition">The sink partition.</param>
/// <param name="Attempt">The attempt, unique per run of the epoch.</param>
public sealed record SinkWriterContext(long Epoch, int Partition, Guid Attempt);
