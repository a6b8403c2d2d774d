namespace OrleansStream.Engine.Connectors;

/// <summary>One of the <see cref="Count"/> parts an epoch of a source is read in.</summary>
/// <param name="Index">This part, from 0.</param>
/// <param name="Count">How many parts the epoch was planned in (<see cref="IStreamSource.NumPartitions"/> when planned).</param>
public readonly record struct SourcePartition(int Index, int Count);
