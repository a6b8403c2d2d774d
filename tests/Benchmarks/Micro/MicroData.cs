using Apache.Arrow;
using OrleansStream.Benchmarks.Nexmark;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Sources.Nexmark;

namespace OrleansStream.Benchmarks.Micro;

/// <summary>The input every micro-benchmark shares: one batch of generated Nexmark bids, as the engine's operators see them.</summary>
public static class MicroData
{
    /// <summary>Rows per batch: the size of a batch the engine moves between grains (DESIGN.md §9: thousands of rows per call).</summary>
    public const int Rows = 65_536;

    /// <summary>Bids 0 .. Rows - 1 at the default event-time rate.</summary>
    public static RecordBatch Bids { get; } = new NexmarkGenerator(new NexmarkConfig()).Bids(0, Rows);

    /// <summary>An epoch context for operators that ask for one.</summary>
    public static EpochContext Context { get; } = new(1, NexmarkConfig.Default.BaseTimeMicros);
}
