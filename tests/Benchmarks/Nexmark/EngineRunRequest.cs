namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>What the suite asks one engine child process to run (passed as a JSON file).</summary>
public sealed class EngineRunRequest
{
    /// <summary>Query name.</summary>
    public string Query { get; set; } = "";
    /// <summary>The engine's source: "prebuilt" (the rows generated into memory before timing), "nexmark" (the built-in generator source) or "files" (the bid files of <see cref="BidsDirectory"/>).</summary>
    public string Source { get; set; } = "nexmark";
    /// <summary>Bids the throughput run reads.</summary>
    public long Events { get; set; }
    /// <summary>Bids per epoch of the nexmark source's throughput run (rowsPerBatch).</summary>
    public long RowsPerBatch { get; set; }
    /// <summary>Folder of the bid files of the throughput run.</summary>
    public string BidsDirectory { get; set; } = "";
    /// <summary>Folder of a few bid files that warm the JIT and the grains up first.</summary>
    public string WarmupDirectory { get; set; } = "";
    /// <summary>This run's own folder (checkpoints, the latency run's input).</summary>
    public string WorkDirectory { get; set; } = "";
    /// <summary>Source file format (parquet or json).</summary>
    public string Format { get; set; } = "parquet";
    /// <summary>Source schema: "pruned" (only the columns the query reads), "full" (all seven), or "both" (pruned, plus a
    /// second throughput run with all seven).</summary>
    public string Schema { get; set; } = "both";
    /// <summary>maxFilesPerTrigger of the throughput run.</summary>
    public int FilesPerTrigger { get; set; }
    /// <summary>Generator parameters (the latency run generates its own bids, after those of the throughput run).</summary>
    public long Seed { get; set; }
    /// <summary>Event-time rate.</summary>
    public long EventsPerSecond { get; set; }
    /// <summary>Prebuilt source only: after the throughput run, a scaling run over enough rows to last at least this many wall
    /// seconds at the rate just measured (0: none). A throughput run of 5 M rows at 100 M ev/s lasts 50 ms, mostly the
    /// query's start and end, which says nothing of how the epochs scale over cores.</summary>
    public double ScalingSeconds { get; set; }
    /// <summary>First bid offset of the latency run.</summary>
    public long LatencyFirstBid { get; set; }
    /// <summary>How long the latency run feeds, seconds (0: no latency run).</summary>
    public double LatencySeconds { get; set; }
    /// <summary>Milliseconds between two latency files.</summary>
    public double LatencyFileIntervalMs { get; set; }
    public long? LatencyMaxRowsPerTrigger { get; set; }
    /// <summary>Input events/s of every latency run (null: <see cref="LatencyFractions"/> of the saturated rate).</summary>
    public double? LatencyRate { get; set; }
    /// <summary>Latency input rates as fractions of the saturated rate, one latency run each.</summary>
    public double[] LatencyFractions { get; set; } = [0.1];
    /// <summary>The latency runs' sink: "noop" (a row is visible when its epoch has committed: progress timestamp +
    /// triggerExecution) or "foreachbatch" (when the foreachBatch function is called with its epoch's rows, shipped to the client).</summary>
    public string LatencySink { get; set; } = "noop";
    /// <summary>Which run of the query this process is (from 1).</summary>
    public int Run { get; set; } = 1;
    /// <summary>Silos in the engine's process (the embedded one and the others joining its cluster).</summary>
    public int Silos { get; set; } = 1;
    /// <summary>Where the child writes its <see cref="EngineResult"/>.</summary>
    public string ResultPath { get; set; } = "";
}
