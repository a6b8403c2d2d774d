namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>The latency run: files handed to the source at a fixed rate, rows seen by a foreachBatch sink.</summary>
public sealed class LatencyResult
{
    /// <summary>Output mode of the latency run.</summary>
    public string Mode { get; set; } = "";
    /// <summary>Input rate actually fed, bids per second.</summary>
    public double EventsPerSecond { get; set; }
    /// <summary>Milliseconds between two files.</summary>
    public double FileIntervalMs { get; set; }
    /// <summary>Bids per file.</summary>
    public int BidsPerFile { get; set; }
    /// <summary>Files measured (after the first second, which is left out as warm-up).</summary>
    public int Files { get; set; }
    /// <summary>Epochs the run took.</summary>
    public int Epochs { get; set; }
    /// <summary>Median latency, ms.</summary>
    public double P50Ms { get; set; }
    /// <summary>99th percentile latency, ms.</summary>
    public double P99Ms { get; set; }
    /// <summary>Largest latency, ms.</summary>
    public double MaxMs { get; set; }
}
