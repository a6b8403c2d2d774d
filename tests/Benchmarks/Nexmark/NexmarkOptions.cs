using System.Globalization;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>The command line of <c>-- nexmark</c>.</summary>
public sealed class NexmarkOptions
{
    /// <summary>Rows the throughput runs read: bids (92% of the Nexmark events) for the queries over bids; for a join, the rows
    /// of the tables it reads together (see <see cref="NexmarkInput"/>).</summary>
    public long Events { get; set; } = 5_000_000;
    /// <summary>Event-time rate, events per second over all kinds.</summary>
    public long Rate { get; set; } = 10_000;
    /// <summary>Queries to run, in order.</summary>
    public IReadOnlyList<string> Queries { get; set; } = NexmarkQueries.All.Select(q => q.Name).ToList();
    /// <summary>Where results go.</summary>
    public string Out { get; set; } = Path.Combine("tests", "Benchmarks", "results");
    /// <summary>Generator seed.</summary>
    public long Seed { get; set; } = 42;
    /// <summary>The engine's source: prebuilt (the default: the rows generated into memory before timing, so every figure is
    /// net of making the input), nexmark (the built-in generator source, generating in the source tasks) or files (bid files in --format).</summary>
    public string Source { get; set; } = "prebuilt";
    /// <summary>Core counts to run the engine pinned to with taskset (e.g. 1,2: the scaling rows); empty: not pinned.</summary>
    public IReadOnlyList<int> Cores { get; set; } = [];
    /// <summary>With --cores and the prebuilt source: the least wall time of each pinned process's scaling run (see
    /// <see cref="EngineRunRequest.ScalingSeconds"/>); 0 reads the scaling figures off the throughput run.</summary>
    public double ScalingSeconds { get; set; } = 1.5;
    /// <summary>Latency input rates, fractions of the saturated rate measured in the same process.</summary>
    public IReadOnlyList<double> LatencyFractions { get; set; } = [0.1, 0.8];
    /// <summary>The latency runs' sink: noop (a row is visible when its epoch has committed) or foreachbatch (when the
    /// foreachBatch function gets its epoch's rows in the client, the suite's only way before).</summary>
    public string LatencySink { get; set; } = "noop";
    /// <summary>Queries that run latency runs (null: all).</summary>
    public IReadOnlySet<string>? LatencyQueries { get; set; }
    /// <summary>Bids per epoch of the nexmark source (4 files' worth, as the file source's default here).</summary>
    public long RowsPerBatch { get; set; } = 200_000;
    /// <summary>Bids per source file.</summary>
    public int BidsPerFile { get; set; } = 50_000;
    /// <summary>maxFilesPerTrigger of the throughput runs.</summary>
    public int FilesPerTrigger { get; set; } = 4;
    /// <summary>Source file format: parquet or json.</summary>
    public string Format { get; set; } = "parquet";
    /// <summary>The engine's source schema: pruned (only the columns each query reads, what column pruning does by
    /// itself), full (all seven), or both (pruned runs, plus a full-schema throughput run).</summary>
    public string Schema { get; set; } = "both";
    /// <summary>Seconds of fixed-rate input in each latency run (0 skips them).</summary>
    public double LatencySeconds { get; set; } = 10;
    /// <summary>Milliseconds between two files of a latency run (files source only).</summary>
    public double LatencyFileIntervalMs { get; set; } = 50;
    /// <summary>The paced source's maxRowsPerTrigger in the latency runs (null: the source's default, from the memory budget).</summary>
    public long? LatencyMaxRowsPerTrigger { get; set; }
    /// <summary>Input events/s of every latency run instead of fractions of the saturated rate (null: the fractions), so
    /// that alternated runs of two builds compare at one rate rather than at each run's own measurement.</summary>
    public double? LatencyRate { get; set; }
    /// <summary>Silos the engine runs on, all in its process (the first embedded, the others joining its cluster over
    /// loopback): with more than one, an exchange's parts for another silo's partitions cross as Arrow IPC over TCP.</summary>
    public int Silos { get; set; } = 1;
    /// <summary>Baselines to run: hand, rx, duckdb (any subset).</summary>
    public IReadOnlySet<string> Baselines { get; set; } = new HashSet<string> { "hand", "rx", "duckdb" };
    /// <summary>Runs per query of the engine and of each baseline, alternating; each figure is the median run's. On a shared
    /// machine one run can be off by half; the median of three is what the ratios are read from.</summary>
    public int Runs { get; set; } = 3;
    /// <summary>Folder for generated files and checkpoints (deleted at the end).</summary>
    public string? Work { get; set; }

    /// <summary>Parses <c>--events N --rate R --queries a,b --out DIR ...</c>.</summary>
    public static NexmarkOptions Parse(IReadOnlyList<string> args)
    {
        var o = new NexmarkOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            long Long() => long.TryParse(Value().Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw NotANumber();
            double Double() => double.TryParse(Value(), CultureInfo.InvariantCulture, out var d) ? d : throw NotANumber();
            int Int() => Long() is var n && n is >= int.MinValue and <= int.MaxValue ? (int)n : throw NotANumber();
            // Called once Value() has moved i to the option's value.
            ArgumentException NotANumber() => new($"{args[i - 1]} takes a number (not '{args[i]}').");
            switch (args[i])
            {
                case "--events": o.Events = Long(); break;
                case "--rate": o.Rate = Long(); break;
                case "--queries": o.Queries = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(q => NexmarkQueries.Get(q).Name).ToList(); break;
                case "--out": o.Out = Value(); break;
                case "--seed": o.Seed = Long(); break;
                case "--source":
                    o.Source = Value().ToLowerInvariant();
                    if (o.Source is not ("prebuilt" or "nexmark" or "files")) throw new ArgumentException("--source takes prebuilt, nexmark or files.");
                    break;
                case "--cores":
                    o.Cores = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(c => int.TryParse(c, CultureInfo.InvariantCulture, out var n) ? n : throw NotANumber()).Distinct().Order()];
                    if (o.Cores.Any(c => c < 1 || c > Environment.ProcessorCount))
                        throw new ArgumentException($"--cores takes core counts from 1 to {Environment.ProcessorCount} (this machine's).");
                    break;
                case "--latency-fractions":
                    o.LatencyFractions = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(f => double.TryParse(f, CultureInfo.InvariantCulture, out var d) ? d : throw NotANumber())];
                    if (o.LatencyFractions.Count == 0 || o.LatencyFractions.Any(f => f is <= 0 or > 1)) throw new ArgumentException("--latency-fractions takes fractions in (0, 1].");
                    break;
                case "--latency-sink":
                    o.LatencySink = Value().ToLowerInvariant();
                    if (o.LatencySink is not ("noop" or "foreachbatch")) throw new ArgumentException("--latency-sink takes noop or foreachbatch.");
                    break;
                case "--latency-queries":
                    o.LatencyQueries = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(q => NexmarkQueries.Get(q).Name).ToHashSet();
                    break;
                case "--rows-per-batch": o.RowsPerBatch = Long(); break;
                case "--bids-per-file": o.BidsPerFile = Int(); break;
                case "--files-per-trigger": o.FilesPerTrigger = Int(); break;
                case "--format":
                    o.Format = Value().ToLowerInvariant();
                    if (o.Format is not ("parquet" or "json")) throw new ArgumentException("--format takes parquet or json.");
                    break;
                case "--latency-seconds": o.LatencySeconds = Double(); break;
                case "--scaling-seconds": o.ScalingSeconds = Double(); break;
                case "--latency-interval-ms": o.LatencyFileIntervalMs = Double(); break;
                case "--latency-max-rows-per-trigger": o.LatencyMaxRowsPerTrigger = Long(); break;
                case "--latency-rate": o.LatencyRate = Double(); break;
                case "--silos": o.Silos = Int(); break;
                case "--baselines": o.Baselines = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(b => b != "none").ToHashSet(); break;
                case "--work": o.Work = Value(); break;
                case "--runs": o.Runs = Int(); break;
                case "--schema":
                    o.Schema = Value().ToLowerInvariant();
                    if (o.Schema is not ("pruned" or "full" or "both")) throw new ArgumentException("--schema takes pruned, full or both.");
                    break;
                default: throw new ArgumentException($"Unknown option {args[i]}. {Usage}");
            }
        }
        if (o.Events <= 0 || o.Rate <= 0 || o.BidsPerFile <= 0 || o.FilesPerTrigger <= 0 || o.RowsPerBatch <= 0 || o.Runs <= 0)
            throw new ArgumentException("--events, --rate, --rows-per-batch, --bids-per-file, --files-per-trigger and --runs must be positive.");
        if (o.LatencyMaxRowsPerTrigger <= 0)
            throw new ArgumentException($"--latency-max-rows-per-trigger takes a positive row count (not {o.LatencyMaxRowsPerTrigger}).");
        if (o.LatencyRate <= 0) throw new ArgumentException($"--latency-rate takes events per second above 0 (not {o.LatencyRate}).");
        if (o.ScalingSeconds < 0) throw new ArgumentException("--scaling-seconds must not be negative.");
        if (o.Silos is < 1 or > 8) throw new ArgumentException($"--silos takes 1 to 8 silos (not {o.Silos}).");
        return o;
    }

    /// <summary>The usage line.</summary>
    public const string Usage = "nexmark [--events N] [--rate EV_PER_S] [--queries q0,q1,...] [--out DIR] [--seed S] [--source prebuilt|nexmark|files] [--rows-per-batch N] [--bids-per-file N] " +
        "[--cores 1,2] [--scaling-seconds S] [--latency-fractions 0.1,0.8] [--latency-queries q1,q12] [--latency-sink noop|foreachbatch] [--files-per-trigger N] [--format parquet|json] [--latency-seconds S] [--latency-interval-ms MS] [--latency-max-rows-per-trigger N] [--latency-rate EVENTS_PER_S] [--silos N] [--baselines hand,rx,duckdb|none] [--schema pruned|full|both] [--runs N] [--work DIR]";
}
