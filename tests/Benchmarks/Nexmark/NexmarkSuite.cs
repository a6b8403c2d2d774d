using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Apache.Arrow;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Sources.Nexmark;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// <c>-- nexmark</c>: runs each query's engine measurements in a child process (over the built-in nexmark source, or bid
/// files), then the baselines in this process over the same generated bids (DuckDB over the same bids as Parquet files),
/// and writes results.json and results.md to the output folder.
/// </summary>
public static class NexmarkSuite
{
    /// <summary>Runs the suite; a bad option ends it with one line naming the option and exit code 2.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        NexmarkOptions options;
        try
        {
            options = NexmarkOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"nexmark: {e.Message}");
            return 2;
        }
        var work = Path.GetFullPath(options.Work ?? Path.Combine(Path.GetTempPath(), "nexmark-" + Guid.NewGuid().ToString("N")[..8]));
        var bidsDirectory = Path.Combine(work, "bids");
        var warmupDirectory = Path.Combine(work, "warmup");
        Directory.CreateDirectory(work);
        var config = new NexmarkConfig(options.Seed, options.Rate);
        var generator = new NexmarkGenerator(config);
        var report = new NexmarkReport
        {
            StartedUtc = DateTime.UtcNow,
            LoadAverage = NexmarkReport.ReadLoadAverage(),
            Command = "nexmark " + string.Join(' ', args),
            Events = options.Events,
            EventTimeRate = options.Rate,
            Runs = options.Runs,
            Cores = [.. options.Cores],
            LatencyFractions = [.. options.LatencyFractions],
            ScalingSeconds = options.Cores.Count > 1 && options.Source == "prebuilt" ? options.ScalingSeconds : 0,
            LatencySink = options.LatencySink,
            Format = options.Format,
            InputPrebuilt = options.Source == "prebuilt",
            Source = options.Source == "prebuilt"
                ? $"prebuilt: each engine process generates the query's rows (only the columns it reads) into ready Arrow batches in memory before anything is timed, and a replayable, partitioned source hands them out by offset (the nexmark source's epochs and partitions), rowsPerBatch {options.RowsPerBatch:N0}"
                : options.Source == "nexmark"
                ? $"the built-in nexmark source (bids generated in the source tasks, only the columns each query reads), rowsPerBatch {options.RowsPerBatch:N0}"
                : $"{options.Format} files of {options.BidsPerFile:N0} bids, maxFilesPerTrigger {options.FilesPerTrigger}, "
                    + (options.Schema == "full" ? "all 7 bid columns declared" : "source schema declaring only the columns each query reads"),
            CoresAvailable = Environment.ProcessorCount,
            Runtime = $"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}",
        };
        try
        {
            var watch = Stopwatch.StartNew();
            // Files are for the file source and for DuckDB, which reads the same bids from Parquet.
            // (Only when a query over the bids alone runs: the joins write files of their own tables.)
            var bidQueries = options.Queries.Any(q => !NexmarkQueries.Get(q).IsMultiTable);
            var needFiles = bidQueries && (options.Source == "files" || (options.Baselines.Contains("duckdb") && options.Format == "parquet"));
            if (needFiles)
            {
                WriteFiles(generator, options, bidsDirectory, warmupDirectory);
                Console.WriteLine($"Wrote {options.Events:N0} bids (event-time rate {options.Rate:N0} ev/s) into {bidsDirectory} in {watch.Elapsed.TotalSeconds:F1} s");
                report.SourceDecodeEventsPerCoreSecond = MeasureDecode(bidsDirectory, options.Format);
                Console.WriteLine($"The engine's {options.Format} reader alone: {report.SourceDecodeEventsPerCoreSecond:N0} bids per CPU second");
            }

            // Engine and baselines alternate run by run, so that a stretch of load on the shared machine falls on both.
            foreach (var name in options.Queries)
            {
                var query = NexmarkQueries.Get(name);
                var input = query.Input(options.Events);
                var finalWatermark = input.FinalWatermark(config);
                // The joins' DuckDB baseline reads its tables' rows of the input as Parquet files, written once per set of tables.
                var tableFiles = query.IsMultiTable && options.Baselines.Contains("duckdb") ? WriteTables(generator, input, work) : null;
                var entry = new QueryReport { Query = query.Name, Computes = query.Computes };
                report.Queries.Add(entry);
                // Latency in the first run only, of the queries asked for (all by default).
                var latency = options.LatencyQueries is null || options.LatencyQueries.Contains(query.Name);
                for (var run = 0; run < options.Runs; run++)
                {
                    // With --cores, run i is run once pinned to each core count (fewest first); the most cores' run is the main one.
                    foreach (var cores in options.Cores.Count == 0 ? [0] : options.Cores)
                    {
                        var main = cores == (options.Cores.Count == 0 ? 0 : options.Cores[^1]);
                        Console.WriteLine($"{query.Name}: engine ({query.Mode}), run {run + 1} of {options.Runs}{(cores > 0 ? $", pinned to {cores} core(s)" : "")} ...");
                        var result = await RunEngineAsync(query, options, work, bidsDirectory, warmupDirectory, run, cores, latency: main && run == 0 && latency);
                        result.PinnedCores = cores;
                        if (cores > 0) entry.ScalingRuns.Add(result);
                        if (main) entry.EngineRuns.Add(result);
                    }
                    if (query.IsMultiTable) MeasureJoinBaselines(entry, query, options, generator, input, tableFiles, finalWatermark, warmUp: run == 0);
                    else MeasureBaselines(entry, options, generator, bidsDirectory, finalWatermark, warmUp: run == 0);
                }
                entry.Engine = MedianEngineRun(entry.EngineRuns);
                entry.Baselines.AddRange(entry.BaselineRuns.GroupBy(b => b.System).Select(g => g.OrderBy(b => b.EventsPerCoreSecond).ElementAt(g.Count() / 2)));
            }
            foreach (var entry in report.Queries)
                Console.WriteLine($"{entry.Query}: baselines {string.Join(", ", entry.Baselines.Select(b => $"{b.System} {b.EventsPerCoreSecond:N0}/core-s ({b.OutputRows:N0} rows)"))}");
            report.LoadAverage = $"{report.LoadAverage} at the start, {NexmarkReport.ReadLoadAverage()} at the end";
            Directory.CreateDirectory(options.Out);
            var json = Path.Combine(options.Out, "results.json");
            var markdown = Path.Combine(options.Out, "results.md");
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(report, EngineRunner.Json));
            var table = NexmarkMarkdown.Write(report);
            await File.WriteAllTextAsync(markdown, table);
            Console.WriteLine();
            Console.WriteLine(table);
            Console.WriteLine($"Wrote {json} and {markdown} ({watch.Elapsed.TotalMinutes:F1} min)");
            return report.Queries.Any(q => q.Engine.Error is not null) ? 1 : 0;
        }
        finally
        {
            if (options.Work is null) TryDelete(work);
        }
    }

    private static void MeasureBaselines(QueryReport entry, NexmarkOptions options, NexmarkGenerator generator, string bidsDirectory, long finalWatermark, bool warmUp)
    {
        // The baselines get the bids as the engine's source does, only the columns the query reads: generated into memory
        // before they run with the prebuilt source, else generated as they go.
        var columns = NexmarkSchemas.BidColumns(NexmarkQueries.Get(entry.Query).Columns);
        // Each baseline first runs once over a small input, so the measured runs do not pay for the JIT (or DuckDB's start).
        void Add(string system, Func<long> warm, Func<long> run) => entry.BaselineRuns.Add(Measure(system, entry.Query, options.Events, warmUp ? warm : null, run));
        Add("generator", () => Count(Generated(generator, columns, WarmUpBids)), () => Count(Generated(generator, columns, options.Events)));
        var prebuilt = options.Source == "prebuilt" ? (Warm: Generated(generator, columns, WarmUpBids).ToList(), Run: Generated(generator, columns, options.Events).ToList()) : default;
        IEnumerable<RecordBatch> Bids(long events) => prebuilt.Run is null ? Generated(generator, columns, events) : events == options.Events ? prebuilt.Run : prebuilt.Warm;
        if (options.Baselines.Contains("hand"))
            Add("hand", () => HandLoopBaseline.Run(entry.Query, Bids(WarmUpBids)), () => HandLoopBaseline.Run(entry.Query, Bids(options.Events)));
        if (options.Baselines.Contains("rx"))
            Add("rx", () => RxBaseline.Run(entry.Query, Bid.FromBatches(Bids(WarmUpBids)), finalWatermark),
                () => RxBaseline.Run(entry.Query, Bid.FromBatches(Bids(options.Events)), finalWatermark));
        if (options.Baselines.Contains("duckdb") && DuckDbBaseline.Supports(entry.Query) && options.Format == "parquet")
            Add("duckdb", () => DuckDbBaseline.Run(entry.Query, Path.Combine(bidsDirectory, NexmarkFiles.FileName("bids", 0, "parquet")), finalWatermark),
                () => DuckDbBaseline.Run(entry.Query, Path.Combine(bidsDirectory, "*.parquet"), finalWatermark));
    }

    // The join queries: the same chunks of every table read for the generator count and the hand loop, Parquet files of
    // them for DuckDB; Rx.NET has no join of two event-time streams to speak of (Join takes duration windows of arrival,
    // not of event time, and nothing evicts by a watermark), so it is not run for them.
    private static void MeasureJoinBaselines(QueryReport entry, NexmarkQuery query, NexmarkOptions options, NexmarkGenerator generator, NexmarkInput input,
        IReadOnlyDictionary<string, string>? tableFiles, long finalWatermark, bool warmUp)
    {
        var warmInput = query.Input(Math.Min(options.Events, WarmUpBids));
        void Add(string system, Func<long> warm, Func<long> run) => entry.BaselineRuns.Add(Measure(system, entry.Query, input.Events, warmUp ? warm : null, run));
        Add("generator", () => warmInput.Chunks(generator, query.Reads).Sum(c => c.Rows), () => input.Chunks(generator, query.Reads).Sum(c => c.Rows));
        // Prebuilt: the chunks generated into memory before the hand loop runs, as the engine's input is.
        var prebuilt = options.Source == "prebuilt" ? (Warm: warmInput.Chunks(generator, query.Reads).ToList(), Run: input.Chunks(generator, query.Reads).ToList()) : default;
        IEnumerable<NexmarkChunk> Chunks(NexmarkInput of) => prebuilt.Run is null ? of.Chunks(generator, query.Reads) : ReferenceEquals(of, input) ? prebuilt.Run : prebuilt.Warm;
        if (options.Baselines.Contains("hand"))
            Add("hand", () => JoinHandLoops.Run(entry.Query, Chunks(warmInput)), () => JoinHandLoops.Run(entry.Query, Chunks(input)));
        if (options.Baselines.Contains("rx") && warmUp)
            Console.WriteLine($"{entry.Query}: no Rx baseline for joins");
        if (tableFiles is not null)
        {
            string? Glob(string table) => tableFiles.TryGetValue(table, out var directory) ? Path.Combine(directory, "*.parquet") : null;
            string? First(string table) => tableFiles.TryGetValue(table, out var directory) ? Directory.EnumerateFiles(directory, "*.parquet").Order(StringComparer.Ordinal).First() : null;
            Add("duckdb", () => DuckDbBaseline.RunJoin(entry.Query, First(NexmarkInput.Person), First(NexmarkInput.Auction), First(NexmarkInput.Bid), finalWatermark),
                () => DuckDbBaseline.RunJoin(entry.Query, Glob(NexmarkInput.Person), Glob(NexmarkInput.Auction), Glob(NexmarkInput.Bid), finalWatermark));
        }
    }

    /// <summary>The rows of each table of <paramref name="input"/> as Parquet files, a folder per table under one folder per
    /// set of tables and size (queries over the same tables share them).</summary>
    private static IReadOnlyDictionary<string, string> WriteTables(NexmarkGenerator generator, NexmarkInput input, string work)
    {
        var root = Path.Combine(work, string.Create(CultureInfo.InvariantCulture,
            $"tables-{string.Join('-', input.Tables)}-{input.Events}-seed{generator.Config.Seed}-rate{generator.Config.EventsPerSecond}"));
        var folders = input.Tables.ToDictionary(t => t, t => Path.Combine(root, t + "s"));
        if (Directory.Exists(root)) return folders;
        var watch = Stopwatch.StartNew();
        foreach (var table in input.Tables)
        {
            var rows = input.Rows(table);
            const int perFile = 50_000;
            var files = (int)((rows + perFile - 1) / perFile);
            Directory.CreateDirectory(folders[table]);
            // Each file written as soon as it is encoded (DuckDB reads them by glob, in no particular order): an auction file
            // is about 25 MB, and millions of auctions would not fit in memory at once.
            Parallel.For(0, files, i =>
            {
                var first = (long)i * perFile;
                var count = (int)Math.Min(perFile, rows - first);
                var content = NexmarkFiles.Encode(table switch
                {
                    NexmarkInput.Person => generator.Persons(first, count),
                    NexmarkInput.Auction => generator.Auctions(first, count),
                    _ => generator.Bids(first, count),
                }, "parquet");
                NexmarkFiles.Publish(folders[table], NexmarkFiles.FileName(table + "s", i, "parquet"), content, durable: true);
            });
        }
        Console.WriteLine($"Wrote {string.Join(", ", input.Tables.Select(t => $"{input.Rows(t):N0} {t}s"))} (the first {input.StreamEvents:N0} events) as Parquet into {root} in {watch.Elapsed.TotalSeconds:F1} s");
        return folders;
    }

    // The run of median CPU time (a failed run if any failed), with the first run's latency: only the first measures it.
    private static EngineResult MedianEngineRun(List<EngineResult> runs)
    {
        if (runs.FirstOrDefault(r => r.Error is not null) is { } failed) return failed;
        var median = runs.OrderBy(r => r.CpuSeconds / Math.Max(1, r.Events)).ElementAt(runs.Count / 2);
        median.Latency ??= runs[0].Latency;
        if (median.Latencies.Count == 0) median.Latencies = runs[0].Latencies;
        return median;
    }

    private const long WarmUpBids = 50_000;
    private const int GeneratedBatchRows = 65_536;

    /// <summary>Bids 0 .. <paramref name="events"/> - 1 with <paramref name="columns"/>, generated batch by batch as they are read.</summary>
    private static IEnumerable<RecordBatch> Generated(NexmarkGenerator generator, Schema columns, long events)
    {
        for (long first = 0; first < events; first += GeneratedBatchRows)
            yield return generator.Bids(first, (int)Math.Min(GeneratedBatchRows, events - first), columns);
    }

    private static long Count(IEnumerable<RecordBatch> batches) => batches.Sum(b => (long)b.Length);

    private static void WriteFiles(NexmarkGenerator generator, NexmarkOptions options, string bidsDirectory, string warmupDirectory)
    {
        var files = (int)((options.Events + options.BidsPerFile - 1) / options.BidsPerFile);
        var content = new byte[files][];
        Parallel.For(0, files, i =>
        {
            var first = (long)i * options.BidsPerFile;
            content[i] = NexmarkFiles.Encode(generator.Bids(first, (int)Math.Min(options.BidsPerFile, options.Events - first)), options.Format);
        });
        // Published in order, so modification times (the order a file source takes files in) follow the offsets.
        Directory.CreateDirectory(bidsDirectory);
        for (var i = 0; i < files; i++) NexmarkFiles.Publish(bidsDirectory, NexmarkFiles.FileName("bids", i, options.Format), content[i], durable: true);
        // Warm-up files are bids from far beyond the measured ones, so no run sees the same rows twice.
        NexmarkFiles.WriteBids(generator, warmupDirectory, options.Format, options.Events * 4, Math.Min(options.Events, 3 * 20_000), 20_000);
    }

    // Each run in a folder of its own: a run must not find the checkpoint of the one before and resume from it.
    // With cores > 0 the child runs pinned to the first that many cores (taskset -c 0,..): the scaling rows.
    private static async Task<EngineResult> RunEngineAsync(NexmarkQuery query, NexmarkOptions options, string work, string bids, string warmup, int run, int cores, bool latency)
    {
        var directory = Path.Combine(work, "engine-" + query.Name, "run-" + (run + 1).ToString(CultureInfo.InvariantCulture) + (cores > 0 ? $"-{cores}cores" : ""));
        Directory.CreateDirectory(directory);
        var request = new EngineRunRequest
        {
            Query = query.Name, Source = options.Source, Events = options.Events, RowsPerBatch = options.RowsPerBatch, BidsDirectory = bids, WarmupDirectory = warmup, WorkDirectory = directory, Format = options.Format,
            FilesPerTrigger = options.FilesPerTrigger, Schema = options.Schema, Seed = options.Seed, EventsPerSecond = options.Rate,
            LatencyFirstBid = options.Events * 2, LatencySeconds = latency ? options.LatencySeconds : 0, LatencyFileIntervalMs = options.LatencyFileIntervalMs, LatencyMaxRowsPerTrigger = options.LatencyMaxRowsPerTrigger, LatencyRate = options.LatencyRate,
            LatencyFractions = [.. options.LatencyFractions], LatencySink = options.LatencySink, Silos = options.Silos, Run = run + 1,
            ScalingSeconds = cores > 0 && options.Cores.Count > 1 ? options.ScalingSeconds : 0, ResultPath = Path.Combine(directory, "result.json"),
        };
        var requestPath = Path.Combine(directory, "request.json");
        await File.WriteAllTextAsync(requestPath, JsonSerializer.Serialize(request, EngineRunner.Json));
        var start = new ProcessStartInfo(cores > 0 ? "taskset" : Environment.ProcessPath!) { UseShellExecute = false };
        if (cores > 0)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(string.Join(',', Enumerable.Range(0, cores)));
            start.ArgumentList.Add(Environment.ProcessPath!);
        }
        // Under "dotnet run" the process may be the dotnet host: then the assembly is the first argument.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") start.ArgumentList.Add(typeof(NexmarkSuite).Assembly.Location);
        start.ArgumentList.Add("nexmark-engine");
        start.ArgumentList.Add(requestPath);
        using var child = Process.Start(start) ?? throw new InvalidOperationException("Could not start the engine process.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        try
        {
            await child.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            return new EngineResult { Query = query.Name, Error = "timed out after 15 minutes" };
        }
        return File.Exists(request.ResultPath)
            ? JsonSerializer.Deserialize<EngineResult>(await File.ReadAllTextAsync(request.ResultPath), EngineRunner.Json)!
            : new EngineResult { Query = query.Name, Error = $"engine process exited with {child.ExitCode} and no result" };
    }

    /// <summary><c>-- nexmark-report DIR</c>: writes DIR/results.md again from DIR/results.json (the same run's figures, with
    /// this build's tables).</summary>
    public static async Task<int> RenderAsync(string directory)
    {
        var report = JsonSerializer.Deserialize<NexmarkReport>(await File.ReadAllTextAsync(Path.Combine(directory, "results.json")), EngineRunner.Json)!;
        foreach (var entry in report.Queries)
            if (entry.Engine.Latencies.Count == 0 && entry.EngineRuns.FirstOrDefault(r => r.Latencies.Count > 0) is { } measured)
                entry.Engine.Latencies = measured.Latencies;
        await File.WriteAllTextAsync(Path.Combine(directory, "results.md"), NexmarkMarkdown.Write(report));
        Console.WriteLine($"Wrote {Path.Combine(directory, "results.md")}");
        return 0;
    }

    private static BaselineResult Measure(string system, string query, long events, Func<long>? warmUp, Func<long> run)
    {
        try
        {
            warmUp?.Invoke();
            var (rows, repetitions, meter) = Repeat(run);
            return new BaselineResult(system, query, events * repetitions, meter.WallSeconds, meter.CpuSeconds, rows, repetitions);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"{system} {query}: {e.GetBaseException().Message}");
            return new BaselineResult(system, query, 0, 0, 0, -1, 0);
        }
    }

    private static double MeasureDecode(string directory, string format)
    {
        var reader = FileFormats.Get(format);
        var options = new ReaderOptions(new Dictionary<string, string>());
        var files = Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal).ToList();
        reader.Read(files[0], NexmarkSchemas.Bid, options); // warm-up: the JIT
        var (rows, repetitions, meter) = Repeat(() => files.Sum(file => (long)reader.Read(file, NexmarkSchemas.Bid, options).Length));
        return rows * repetitions / meter.CpuSeconds;
    }

    // The kernel reports CPU time in clock ticks (10 ms): a run is repeated until it has taken at least a second.
    private static (long Rows, int Repetitions, ProcessMeter Meter) Repeat(Func<long> run)
    {
        using var meter = ProcessMeter.Start();
        long rows;
        var repetitions = 0;
        do
        {
            rows = run();
            repetitions++;
        }
        while (meter.Elapsed < TimeSpan.FromSeconds(1));
        meter.Stop();
        return (rows, repetitions, meter);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, true);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"Could not delete {directory}: {e.Message}");
        }
    }
}
