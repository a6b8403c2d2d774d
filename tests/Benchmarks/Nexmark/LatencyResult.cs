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
}
