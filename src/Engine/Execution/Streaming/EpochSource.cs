namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>A streaming source of a query: its id and how many tasks read an epoch of it when planned now.</summary>
public sealed record EpochSource(string Id, int NumPartitions);
