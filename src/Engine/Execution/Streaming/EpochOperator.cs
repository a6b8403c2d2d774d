namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>A stateful operator of a query: its id, Spark's name, and whether a moving watermark makes it emit or evict.</summary>
public sealed record EpochOperator(int Id, string Name, bool EvictsByWatermark);
