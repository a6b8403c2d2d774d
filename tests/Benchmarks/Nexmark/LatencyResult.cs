namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>The latency run: bids handed to the source at a fixed rate, rows seen by a foreachBatch sink.</summary>
public sealed class LatencyResult
{
    /// <summary>Output mode of the latency run.</summary>
    public string Mode { get; set; } = "";
    /// <summary>The input rate as a fraction of the saturated rate measured just before in the same process.</summary>
    public double Fraction { get; set; }
    /// <summary>Seconds of paced input (a prebuilt table read once ends sooner at a high rate).</summary>
    public double Seconds { get; set; }
    /// <summary>Input rate actually fed, bids per second.</summary>
    public double EventsPerSecond { get; set; }
    /// <summary>Milliseconds between two files (file source only).</summary>
    public double FileIntervalMs { get; set; }
    /// <summary>Bids per file.</summary>
    public int BidsPerFile { get; set; }
    /// <summary>Latency samples (after the first second, which is left out as warm-up): bids with the nexmark source, files with a file source.</summary>
    public long Samples { get; set; }
    /// <summary>Epochs the run took.</summary>
    public int Epochs { get; set; }
    /// <summary>Median latency, ms.</summary>
    public double P50Ms { get; set; }
    /// <summary>99th percentile latency, ms.</summary>
    public double P99Ms { get; set; }
    /// <summary>Largest latency, ms.</summary>
    public double MaxMs { get; set; }
    /// <summary>Garbage collections (gen 0/1/2, as "g0/g1/g2") in the engine process during the run: a pause in an epoch is one cause of a high p99.</summary>
    public string? Collections { get; set; }
    /// <summary>Milliseconds the GC paused the engine process during the run.</summary>
    public double GcPauseMs { get; set; }
    /// <summary>Managed bytes the engine process allocated per epoch of the run (what fills gen 0 between collections).</summary>
    public long AllocatedPerEpoch { get; set; }
    /// <summary>CPU seconds of the engine process per wall second of the run (nexmark and prebuilt sources): beside the
    /// throughput run's, it tells a run the machine starved (fewer cores than the saturated rate was measured with) from
    /// an engine that fell behind with the cores it had.</summary>
    public double CoresUsed { get; set; }
    /// <summary>Threads of the engine process that were runnable but waiting for a core, on average over the run (Linux
    /// schedstat; its own threads queue too, so this is high whenever more of them are runnable than there are cores).</summary>
    public double ThreadsWaiting { get; set; }
    /// <summary>Mean durationMs split of the slowest 1% of the run's data epochs (by triggerExecution), e.g. "walCommit 6.1, addBatch 1.2": what the tail is made of.</summary>
    public string? SlowestEpochs { get; set; }
}
