namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>One suite run: its parameters, the machine, and every query's results (written as JSON).</summary>
public sealed class NexmarkReport
{
    /// <summary>When the run started (UTC).</summary>
    public DateTime StartedUtc { get; set; }
    /// <summary>The command line after "--".</summary>
    public string Command { get; set; } = "";
    /// <summary>Bids per throughput run.</summary>
    public long Events { get; set; }
    /// <summary>Event-time rate, events per second over all kinds.</summary>
    public long EventTimeRate { get; set; }
    /// <summary>Runs per query of the engine and of each baseline.</summary>
    public int Runs { get; set; } = 1;
    /// <summary>Whether the engine and the hand loops read input generated into memory before timing (<c>--source prebuilt</c>).</summary>
    public bool InputPrebuilt { get; set; }
    /// <summary>Core counts the engine ran pinned to (<c>--cores</c>; empty: not pinned).</summary>
    public List<int> Cores { get; set; } = new();
    /// <summary>The least wall time of a pinned process's scaling run (0: the scaling figures are the throughput run's).</summary>
    public double ScalingSeconds { get; set; }
    /// <summary>Latency input rates as fractions of the saturated rate.</summary>
    public List<double> LatencyFractions { get; set; } = new();
    /// <summary>The latency runs' sink (noop or foreachbatch).</summary>
    public string LatencySink { get; set; } = "noop";
    /// <summary>Source format, bids per file, maxFilesPerTrigger.</summary>
    public string Source { get; set; } = "";
    /// <summary>Logical cores of the machine (Environment.ProcessorCount).</summary>
    public int CoresAvailable { get; set; }
    /// <summary>The machine's load averages (1, 5, 15 min, /proc/loadavg) when the suite started and when it ended: other
    /// work on a shared machine shows here.</summary>
    public string LoadAverage { get; set; } = "";
    /// <summary>Runtime and OS.</summary>
    public string Runtime { get; set; } = "";
    /// <summary>Source file format (parquet or json).</summary>
    public string Format { get; set; } = "parquet";
    /// <summary>Single-threaded decode of the same bid files with the engine's reader of <see cref="Format"/>, all seven columns, bids per CPU second.</summary>
    public double SourceDecodeEventsPerCoreSecond { get; set; }
    /// <summary>Per query.</summary>
    public List<QueryReport> Queries { get; set; } = new();

    /// <summary>The first three fields of /proc/loadavg, or "" where there is none.</summary>
    public static string ReadLoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
