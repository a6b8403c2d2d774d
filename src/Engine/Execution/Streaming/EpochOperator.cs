namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>A keyed stage of a query: its stage id (which keys its state), its operator's Spark name, and whether a moving watermark makes it emit or evict.</summary>
public sealed record EpochOperator(int Id, string Name, bool EvictsByWatermark)
{
    /// <summary>Whether the operator keeps processing-time timers (transformWithState in processing time).</summary>
    public bool UsesProcessingTimeTimers { get; init; }
}
