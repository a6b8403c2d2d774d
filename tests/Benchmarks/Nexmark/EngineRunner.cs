using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansStream.Client;
using OrleansStream.Interfaces.Progress;
using OrleansStream.Engine.Sources.Nexmark;
using OrleansStream.Engine.Connectors;
using OrleansStream.Benchmarks.Nexmark.Prebuilt;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// Runs one query on an embedded silo, in a process of its own (so that peak memory is this query's, and no state grain
/// of an earlier query is still resident):
/// (0) with the prebuilt source, every row of the run generated into ready batches in memory first (not timed);
/// (1) warm-up over 40 epochs of generated rows (3 files of a file source), prebuilt then 3 epochs of the run's rows per
/// batch, then until the JIT is idle; (2) throughput:
/// the whole input (prebuilt batches, the nexmark source, or bid files read by a file source with maxFilesPerTrigger),
/// Trigger.AvailableNow, noop sink (the blackhole sink other Nexmark harnesses
/// use), only the columns the query reads, then (files, optionally) again declaring all seven; (3) latency: input paced at
/// each asked fraction of the saturated rate just measured, default trigger, noop sink (the row visible when its epoch
/// commits) or foreachBatch sink (visible when the function is called with its epoch's rows).
/// </summary>
internal static class EngineRunner
{
    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>The child entry: reads the request, writes the result; exit code 0 even when the query failed (the result says why).</summary>
    public static async Task<int> MainAsync(string requestPath)
    {
        var request = JsonSerializer.Deserialize<EngineRunRequest>(await File.ReadAllTextAsync(requestPath))!;
        EngineResult result;
        try
        {
            result = await RunAsync(request);
        }
        catch (Exception e)
        {
            result = new EngineResult { Query = request.Query, Error = e.GetBaseException().Message };
            Console.Error.WriteLine($"{request.Query}: {e}");
        }
        await File.WriteAllTextAsync(request.ResultPath, JsonSerializer.Serialize(result, Json));
        return 0;
    }

    private static async Task<EngineResult> RunAsync(EngineRunRequest r)
    {
        var query = NexmarkQueries.Get(r.Query);
        var prebuilt = r.Source == "prebuilt";
        var tables = new PrebuiltTables();
        // The prebuilt source reads this process's memory: only the silos of this process have it.
        Action<Orleans.Hosting.ISiloBuilder>? configure = prebuilt ? silo => silo.Services.AddSingleton(tables).AddSource<PrebuiltSourceProvider>() : null;
        var embedded = new EmbeddedSiloOptions
        {
            DataDirectory = Path.Combine(r.WorkDirectory, "data"),
            // A port of its own, known before it starts: the other silos (--silos) join it there.
            SiloPort = OtherSilos.FreePort(),
            // Orleans warns on every start that the process runs workstation GC (as the silo host does): keep the output readable.
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Error,
            ConfigureSilo = configure,
        };
        await using var session = await StreamSession.StartLocalAsync(embedded);
        await using var others = await OtherSilos.StartAsync(r.Silos - 1, embedded, configure);
        // As the nexmark source's default, and fixed, so that the prebuilt batches are cut where the source's reads cut them.
        var partitions = Math.Clamp(Environment.ProcessorCount, 1, 8);
        var prebuildSeconds = 0.0;
        if (prebuilt)
        {
            // Every row of the run (and of the warm-up) generated into ready batches before anything is timed.
            var watch = Stopwatch.StartNew();
            var generator = new NexmarkGenerator(new NexmarkConfig(r.Seed, r.EventsPerSecond));
            Prebuild(tables, WarmUpTables, query, query.Input(WarmUpRows), WarmUpRowsPerBatch, partitions, generator);
            Prebuild(tables, WarmUpRunTables, query, query.Input(WarmUpRunEpochs * r.RowsPerBatch), r.RowsPerBatch, partitions, generator);
            Prebuild(tables, RunTables, query, query.Input(r.Events), r.RowsPerBatch, partitions, generator);
            prebuildSeconds = watch.Elapsed.TotalSeconds;
            Console.WriteLine($"  {query.Name}: prebuilt {r.Events:N0} rows in {prebuildSeconds:F1} s ({partitions} partitions)");
        }
        var collector = new ProgressCollector();
        session.Streams.AddListener(collector);
        var files = r.Source == "files";
        // File sources: the primary runs declare only the columns the query reads; with "both" a second throughput run
        // declares all seven, which the planner's column pruning should bring close to the first. The nexmark source's
        // schema is fixed: the planner alone decides which columns it generates.
        var primaryPruned = files && r.Schema != "full";
        DataFrame Files(string directory, int? filesPerTrigger, bool pruned)
        {
            var reader = session.ReadStream.Format(r.Format).Schema(pruned ? NexmarkSchemas.BidDdlOf(query.Columns) : NexmarkSchemas.BidDdl);
            if (filesPerTrigger is { } f) reader = reader.Option("maxFilesPerTrigger", f);
            return reader.Load(directory);
        }
        // The nexmark source, one per table the query reads, all of one stream: each reads its table's rows of the first
        // events of the stream that hold `events` rows of the tables together, the same whole blocks of events per epoch.
        // Prebuilt: the same epochs and partitions over the batches made above.
        NexmarkStreams Generated(string prebuiltTables, long events, long perBatch)
        {
            var input = query.Input(events);
            var perEpoch = input.RowsPerEpoch(perBatch);
            return NexmarkStreams.Of(input.Tables, table => prebuilt
                ? PrebuiltSource(session, prebuiltTables + table, partitions).Option("rowsPerBatch", perEpoch[table]).Load()
                : NexmarkSource(session, r, table).Option("numRows", input.Rows(table)).Option("rowsPerBatch", perEpoch[table]).Load());
        }
        if (files && query.IsMultiTable)
            throw new NotSupportedException($"{query.Name} reads several Nexmark tables: the joins run on the nexmark source only (--source nexmark).");
        NexmarkStreams FileStreams(string directory, int? filesPerTrigger, bool pruned) => new(null, null, Files(directory, filesPerTrigger, pruned));

        // Warm-up: every source schema, sink and output mode once, so the measured runs do not pay for the JIT or first activations.
        var warmUps = files
            ? (r.Schema == "both" ? new[] { true, false } : [primaryPruned]).Select(pruned => FileStreams(r.WarmupDirectory, 1, pruned)).ToList()
            : [Generated(WarmUpTables, WarmUpRows, WarmUpRowsPerBatch)];
        // Prebuilt, then a few epochs of the timed run's size: the buffer pool's size classes its batches use are filled
        // before the clock starts, as in a query running for hours (else the timed run pays each class's first pages).
        if (prebuilt) warmUps.Add(Generated(WarmUpRunTables, WarmUpRunEpochs * r.RowsPerBatch, r.RowsPerBatch));
        // Through the timed run's own code: its meter and its awaits are compiled here, not charged to the engine's CPU.
        foreach (var warmUp in warmUps) await ThroughputAsync(query, collector, warmUp);
        var latencyWriter = query.Build(warmUps[0]).WriteStream.OutputMode(query.LatencyMode);
        await (await (r.LatencySink == "noop" ? latencyWriter.Format("noop") : latencyWriter.ForeachBatch((_, _) => Task.CompletedTask))
            .Trigger(Trigger.AvailableNow()).StartAsync()).AwaitTerminationAsync();
        await JitSettle.WaitAsync(TimeSpan.FromSeconds(3));

        var result = new EngineResult { Query = query.Name, Mode = query.Mode.ToString(), PrunedSchema = primaryPruned, Cores = Environment.ProcessorCount, PrebuildSeconds = prebuildSeconds };
        using var timeline = EpochTimeline.FromEnvironment();
        timeline?.Record();
        var (epochs, meter) = await ThroughputAsync(query, collector, files ? FileStreams(r.BidsDirectory, r.FilesPerTrigger, primaryPruned) : Generated(RunTables, r.Events, r.RowsPerBatch),
            PerfControl.Throughput);
        PerfControl.Disable(PerfControl.Throughput);
        timeline?.Write(string.Create(CultureInfo.InvariantCulture, $"{query.Name}.run{r.Run}"));
        Summarise(result, epochs, query, meter);
        Console.WriteLine($"  {query.Name}: engine {result.Events:N0} bids in {result.WallSeconds:F2} s wall, {result.CpuSeconds:F2} s CPU, {result.DataEpochs} epochs, {meter.CompiledMethods} methods compiled");
        if (files && r.Schema == "both")
        {
            var (full, fullMeter) = await ThroughputAsync(query, collector, FileStreams(r.BidsDirectory, r.FilesPerTrigger, false));
            result.FullSchema = new ThroughputResult(full.Sum(p => p.NumInputRows), fullMeter.WallSeconds, fullMeter.CpuSeconds);
            Console.WriteLine($"  {query.Name}: engine, all 7 columns declared: {result.FullSchema.Events:N0} bids in {fullMeter.WallSeconds:F2} s wall, {fullMeter.CpuSeconds:F2} s CPU");
        }
        if (r.LatencySeconds > 0 && result.Events > 0)
        {
            // Prebuilt: the run's batches again, paced; a query without event time reads them again and again (its rows stay
            // valid), one over event time only once (repeated times would be late), from rows enough for the paced run.
            var repeat = NexmarkQueries.ReadsRepeatably(query.Name);
            var latencyTables = prebuilt && !repeat
                ? PrebuildLatencyInput(tables, query, r, result, partitions)
                : RunTables;
            DataFrame Paced(string table, long perSecond)
            {
                var source = (prebuilt
                        ? PrebuiltSource(session, latencyTables + table, partitions).Option("repeat", repeat)
                        : NexmarkSource(session, r, table))
                    .Option("rowsPerSecond", perSecond);
                return (r.LatencyMaxRowsPerTrigger is { } max ? source.Option("maxRowsPerTrigger", max) : source).Load();
            }
            foreach (var fraction in r.LatencyFractions)
            {
                var rate = LatencyRate(r, result, fraction);
                var latency = files
                    ? await MeasureFileLatencyAsync(r, query, collector, rate, (directory, count) => FileStreams(directory, count, primaryPruned), $"latency-in-{result.Latencies.Count}")
                    : await MeasureNexmarkLatencyAsync(r, query, collector, rate, Paced);
                latency.Fraction = fraction;
                latency.Seconds = r.LatencySeconds;
                if (prebuilt && !repeat) latency.Seconds = Math.Min(latency.Seconds, LatencyRows(r, result) / latency.EventsPerSecond);
                result.Latencies.Add(latency);
            }
            result.Latency = result.Latencies[0];
            if (latencyTables == LatencyTables) DropTables(tables, LatencyTables, query.Input(LatencyRows(r, result)));
        }
        // Last: its input (up to 100 M rows prebuilt for an event-time query, dropped after) left the heap to the GC while the
        // latency runs' first epochs ran when it came before them, and those epochs ran 3 times slower per row (q5-agg at 80%:
        // the backlog they left gave p99 524-735 ms in 3 of 3 runs, 14-22 ms in 12 of 12 runs without a scaling run).
        if (prebuilt && r.ScalingSeconds > 0 && result.Events > 0)
            (result.Scaling, result.ScalingRepeated) = await MeasureScalingAsync(r, query, session, tables, collector, partitions, result, timeline);
        return result;
    }

    private static void DropTables(PrebuiltTables tables, string prefix, NexmarkInput input)
    {
        foreach (var table in input.Tables) tables.Remove(prefix + table);
    }

    // 40 epochs: a per-epoch method is called often enough to be promoted to optimised code (30 calls) in the warm-up.
    private const long WarmUpRows = 800_000, WarmUpRowsPerBatch = 20_000, WarmUpRunEpochs = 3;
    private const string WarmUpTables = "warmup-", WarmUpRunTables = "warmup-run-", RunTables = "run-", LatencyTables = "latency-", ScalingTables = "scaling-";
    // The scaling run's rows at most: an event-time query's are prebuilt for it (as the latency input's, bounded by memory),
    // a repeatable query's are the throughput run's read again.
    private const long MaxScalingRows = 100_000_000, MaxRepeatedScalingRows = 4_000_000_000;
    // Rows for a little more than the scaling run's least time at the rate measured (at the throughput run's rate, which its
    // start and end hold down to a half to a third of the steady one: more), and at most this many runs to get there.
    private const double ScalingMargin = 1.2, FirstScalingMargin = 2.5;
    private const int MaxScalingAttempts = 3;

    /// <summary>
    /// The scaling run of a pinned process: the query once more, as the throughput run (same trigger, sink and epochs), over
    /// rows enough to last <see cref="EngineRunRequest.ScalingSeconds"/> (whole epochs, at least the throughput run's rows).
    /// A query that reads repeatably reads the throughput run's batches again and again; an event-time query reads a larger
    /// input prebuilt for it, before its clock starts, and dropped after. A short run's rate is mostly its start and end, so
    /// rows for the throughput run's rate may end early: then it runs again with rows for the rate the last run measured.
    /// </summary>
    private static async Task<(EngineResult Result, bool Repeated)> MeasureScalingAsync(EngineRunRequest r, NexmarkQuery query, StreamSession session,
        PrebuiltTables tables, ProgressCollector collector, int partitions, EngineResult throughput, EpochTimeline? timeline)
    {
        var repeated = NexmarkQueries.ReadsRepeatably(query.Name);
        var max = repeated ? MaxRepeatedScalingRows : MaxScalingRows;
        var (events, seconds) = (throughput.Events, throughput.WallSeconds);
        for (var attempt = 1; ; attempt++)
        {
            var wanted = Math.Min(max, (long)Math.Ceiling((attempt == 1 ? FirstScalingMargin : ScalingMargin) * r.ScalingSeconds * events / seconds));
            var input = query.Input(Math.Max(r.Events, (wanted + r.RowsPerBatch - 1) / r.RowsPerBatch * r.RowsPerBatch));
            var watch = Stopwatch.StartNew();
            if (!repeated) Prebuild(tables, ScalingTables, query, input, r.RowsPerBatch, partitions, new NexmarkGenerator(new NexmarkConfig(r.Seed, r.EventsPerSecond)));
            var prebuildSeconds = watch.Elapsed.TotalSeconds;
            var perEpoch = input.RowsPerEpoch(r.RowsPerBatch);
            var streams = NexmarkStreams.Of(input.Tables, table =>
            {
                var source = PrebuiltSource(session, (repeated ? RunTables : ScalingTables) + table, partitions).Option("rowsPerBatch", perEpoch[table]);
                return (repeated ? source.Option("repeat", true).Option("numRows", input.Rows(table)) : source).Load();
            });
            timeline?.Record();
            var (epochs, meter) = await ThroughputAsync(query, collector, streams, PerfControl.Scaling);
            PerfControl.Disable(PerfControl.Scaling);
            timeline?.Write(string.Create(CultureInfo.InvariantCulture, $"{query.Name}.scaling.run{r.Run}"));
            DropTables(tables, ScalingTables, input);
            var result = new EngineResult { Query = query.Name, Mode = throughput.Mode, Cores = throughput.Cores, PrebuildSeconds = prebuildSeconds };
            Summarise(result, epochs, query, meter);
            Console.WriteLine($"  {query.Name}: scaling run {result.Events:N0} rows ({(repeated ? "the run's rows read again" : $"prebuilt in {prebuildSeconds:F1} s")}) in {meter.WallSeconds:F2} s wall, {meter.CpuSeconds:F2} s CPU, {result.DataEpochs} epochs; per epoch {PerEpoch(meter.CpuSeconds * 1000):F2} ms CPU, {PerEpoch(meter.ThreadPoolWorkItems):F0} pool work items, {PerEpoch(meter.VoluntarySwitches):F0} voluntary and {PerEpoch(meter.InvoluntarySwitches):F0} involuntary context switches");
            double PerEpoch(double total) => total / Math.Max(1, result.DataEpochs);
            if (meter.WallSeconds >= r.ScalingSeconds || input.Events >= max || attempt == MaxScalingAttempts) return (result, repeated);
            (events, seconds) = (result.Events, result.WallSeconds);
        }
    }

    // An event-time query reads its prebuilt rows once: its latency input holds rows for the whole paced run at the highest
    // fraction (else at 80% of a fast query the table ends within the excluded first second), up to this many.
    private const long MaxLatencyRows = 100_000_000;

    /// <summary>Rows an event-time query's paced latency runs read: enough for --latency-seconds at the highest fraction.</summary>
    private static long LatencyRows(EngineRunRequest r, EngineResult result) =>
        Math.Max(result.Events, Math.Min(MaxLatencyRows, (long)Math.Ceiling(r.LatencyFractions.Max(f => LatencyRate(r, result, f)) * r.LatencySeconds)));

    /// <summary>The input events/s of the latency run at <paramref name="fraction"/>: the fixed rate asked for, else that
    /// fraction of the throughput run's.</summary>
    private static double LatencyRate(EngineRunRequest r, EngineResult result, double fraction) =>
        r.LatencyRate ?? fraction * result.Events / result.WallSeconds;

    /// <summary>
    /// The prebuilt tables an event-time query's latency runs read: the throughput run's when they last the paced run,
    /// else new ones of <see cref="LatencyRows"/> rows (made after the throughput run, so its figures are untouched; the
    /// throughput run's tables are dropped first to keep memory bounded).
    /// </summary>
    private static string PrebuildLatencyInput(PrebuiltTables tables, NexmarkQuery query, EngineRunRequest r, EngineResult result, int partitions)
    {
        var rows = LatencyRows(r, result);
        if (rows <= result.Events) return RunTables;
        var input = query.Input(rows);
        DropTables(tables, RunTables, input);
        var watch = Stopwatch.StartNew();
        Prebuild(tables, LatencyTables, query, input, r.RowsPerBatch, partitions, new NexmarkGenerator(new NexmarkConfig(r.Seed, r.EventsPerSecond)));
        Console.WriteLine($"  {query.Name}: prebuilt {rows:N0} rows for the latency runs in {watch.Elapsed.TotalSeconds:F1} s");
        return LatencyTables;
    }

    /// <summary>The prebuilt source over the table registered as <paramref name="name"/>.</summary>
    private static DataStreamReader PrebuiltSource(StreamSession session, string name, int partitions) =>
        session.ReadStream.Format("prebuilt").Option("name", name).Option("numPartitions", partitions);

    /// <summary>Generates the rows of every table of <paramref name="input"/> (only the columns the query reads) into prebuilt
    /// tables named <paramref name="prefix"/> + table, cut as epochs of <paramref name="rowsPerBatch"/> rows in <paramref name="partitions"/> are.</summary>
    private static void Prebuild(PrebuiltTables tables, string prefix, NexmarkQuery query, NexmarkInput input, long rowsPerBatch, int partitions, NexmarkGenerator generator)
    {
        var perEpoch = input.RowsPerEpoch(rowsPerBatch);
        foreach (var table in input.Tables)
        {
            var schema = NexmarkInput.Projection(table, query.Reads[table]);
            tables.Add(prefix + table, PrebuiltTable.Build(table, schema, input.Rows(table), perEpoch[table], partitions,
                (first, count) => NexmarkInput.Generate(generator, table, first, count, schema)));
        }
    }

    /// <summary>The built-in nexmark source over <paramref name="table"/> with the run's seed and event-time rate.</summary>
    private static DataStreamReader NexmarkSource(StreamSession session, EngineRunRequest r, string table) =>
        session.ReadStream.Format("nexmark").Option("table", table).Option("seed", r.Seed).Option("eventsPerSecond", r.EventsPerSecond);

    /// <summary>One throughput run: the whole backlog with Trigger.AvailableNow into the noop sink; <paramref name="profiledRun"/> names
    /// it for perf (<see cref="PerfControl"/>), whose sampling starts after the meter's collection (the caller stops it).</summary>
    private static async Task<(IReadOnlyList<StreamingQueryProgress> Epochs, ProcessMeter Meter)> ThroughputAsync(NexmarkQuery query, ProgressCollector collector, NexmarkStreams streams,
        string? profiledRun = null)
    {
        using var meter = ProcessMeter.Start(profiledRun is null ? null : () => PerfControl.Enable(profiledRun));
        var run = await query.Build(streams).WriteStream.OutputMode(query.Mode).Format("noop").Trigger(Trigger.AvailableNow()).StartAsync();
        await run.AwaitTerminationAsync();
        meter.Stop();
        // AwaitTerminationAsync can return before the last epochs' progress reached the client (see the report); StopAsync
        // on the terminated query fetches the progress the trigger kept.
        var seen = run.RecentProgress.Count;
        await run.StopAsync();
        if (run.RecentProgress.Count != seen)
            Console.WriteLine($"  {query.Name}: after AwaitTerminationAsync the client had {seen} of {run.RecentProgress.Count} progress reports");
        return (collector.Of(run), meter);
    }

    private static void Summarise(EngineResult result, IReadOnlyList<StreamingQueryProgress> epochs, NexmarkQuery query, ProcessMeter meter)
    {
        result.WallSeconds = meter.WallSeconds;
        result.CpuSeconds = meter.CpuSeconds;
        result.PeakResidentBytes = meter.PeakResidentBytes;
        result.PeakResidentIsPerRun = meter.PeakResidentIsPerInterval;
        result.PeakManagedBytes = meter.PeakManagedBytes;
        result.AllocatedBytes = meter.AllocatedBytes;
        result.GcPauseSeconds = meter.GcPauseSeconds;
        result.Collections = meter.Collections;
        result.ThreadPoolWorkItems = meter.ThreadPoolWorkItems;
        result.VoluntaryContextSwitches = meter.VoluntarySwitches;
        result.InvoluntaryContextSwitches = meter.InvoluntarySwitches;
        var data = epochs.Where(p => p.NumInputRows > 0).ToList();
        result.Events = data.Sum(p => p.NumInputRows);
        result.DataEpochs = data.Count;
        result.NoDataEpochs = epochs.Count - data.Count;
        foreach (var phase in new[] { "latestOffset", "walCommit", "addBatch", "commitOffsets", "triggerExecution" })
            result.EpochMs[phase] = data.Count == 0 ? 0 : data.Average(p => (double)p.DurationMs.GetValueOrDefault(phase));
        result.StateCommitMs = data.Count == 0 ? 0 : data.Average(p => (double)p.StateOperators.Sum(o => o.CommitTimeMs));
        result.StateBackgroundWriteMs = data.Count == 0 ? 0 : data.Average(p => (double)p.StateOperators.Sum(o => o.CustomMetrics.GetValueOrDefault("backgroundWriteTimeMs")));
        long BytesOf(StreamingQueryProgress p) => p.StateOperators.Sum(o => o.CustomMetrics.GetValueOrDefault("stateBytesWritten"));
        result.StateBytesPerEpoch = data.Count == 0 ? 0 : data.Average(p => (double)BytesOf(p));
        result.StateBytesMax = epochs.Count == 0 ? 0 : epochs.Max(BytesOf);
        var evicting = epochs.Where(p => p.NumInputRows > 0 || p.StateOperators.Any(o => o.NumRowsRemoved > 0)).ToList();
        result.StateRowsRemovedPerEpoch = evicting.Count == 0 ? 0 : evicting.Average(p => (double)p.StateOperators.Sum(o => o.NumRowsRemoved));
        result.StateRemovalsMs = evicting.Count == 0 ? 0 : evicting.Average(p => (double)p.StateOperators.Sum(o => o.AllRemovalsTimeMs));
        result.RowsDroppedByWatermark = epochs.Sum(p => p.StateOperators.Sum(o => o.NumRowsDroppedByWatermark));
        result.OutputRows = epochs.Sum(p => p.Sink.NumOutputRows);
        result.StateRows = epochs.Count == 0 ? 0 : epochs[^1].StateOperators.Sum(o => o.NumRowsTotal);
        if (query.IsAggregation && result.StateBytesMax == 0)
            Console.WriteLine($"  {query.Name}: no stateBytesWritten reported");
    }

    /// <summary>
    /// Latency with the nexmark source paced at <paramref name="rate"/> rows per second by the silo's clock (a join's
    /// tables share it as the stream does, each its own source paced at its share): row k of a table is handed to its source
    /// at start + (k + 1) / (the table's rate) (the moment the source first offers it), and becomes visible when the
    /// foreachBatch call of the epoch that read it starts. Rows after the first second are the samples.
    /// </summary>
    private static async Task<LatencyResult> MeasureNexmarkLatencyAsync(EngineRunRequest r, NexmarkQuery query,
        ProgressCollector collector, double rate, Func<string, long, DataFrame> paced)
    {
        var input = query.Input(1);
        var perSecond = input.Tables.ToDictionary(t => t, t => Math.Max(1, (long)Math.Round(rate * NexmarkInput.PerBlock(t) / input.RowsPerBlock)));
        var visible = new ConcurrentDictionary<long, double>();
        var streams = NexmarkStreams.Of(input.Tables, t => paced(t, perSecond[t]));
        var writer = query.Build(streams).WriteStream.OutputMode(query.LatencyMode);
        var noop = r.LatencySink == "noop";
        collector.EpochLog = LatencyEpochLog.FromEnvironment(query.Name);
        var gc = GcCounts.Now();
        var (cpu, wait, wall) = (Environment.CpuUsage.TotalTime, LatencyEpochLog.RunQueueWaitMs(), Stopwatch.StartNew());
        var run = await (noop ? writer.Format("noop") : writer.ForeachBatch((_, batchId) =>
            {
                visible.TryAdd(batchId, (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds);
                return Task.CompletedTask;
            }))
            .StartAsync();
        await Task.Delay(TimeSpan.FromSeconds(r.LatencySeconds));
        await run.StopAsync();
        var collections = GcCounts.Now() - gc;
        var seconds = wall.Elapsed.TotalSeconds;
        var (coresUsed, waiting) = ((Environment.CpuUsage.TotalTime - cpu).TotalSeconds / seconds, (LatencyEpochLog.RunQueueWaitMs() - wait) / 1000 / seconds);

        var latencies = new List<double>();
        var epochs = collector.Of(run);
        collector.EpochLog?.Write(epochs);
        collector.EpochLog = null;
        foreach (var p in epochs)
        {
            // The noop sink: a row's output is visible once its epoch has committed, at the end of the epoch's triggerExecution.
            if (noop && p.NumInputRows > 0)
                visible[p.BatchId] = DateTimeOffset.Parse(p.Timestamp, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() + p.DurationMs.GetValueOrDefault("triggerExecution");
            if (!visible.TryGetValue(p.BatchId, out var seen)) continue;
            foreach (var source in p.Sources)
            {
                if (source.EndOffset is not { } end || TableOf(source.Description) is not { } table || !perSecond.TryGetValue(table, out var tableRate)) continue;
                // Every stride-th row is a sample: at most about 10,000 per second of a table, spread evenly like the rows themselves.
                var stride = Math.Max(1, tableRate / 10_000);
                var from = source.StartOffset is { ValueKind: JsonValueKind.Object } start ? start.GetProperty("rows").GetInt64() : 0;
                var startMs = end.GetProperty("startMs").GetInt64();
                var first = Math.Max(from, tableRate);
                for (var k = first + (stride - first % stride) % stride; k < end.GetProperty("rows").GetInt64(); k += stride)
                    latencies.Add(seen - (startMs + (k + 1) * 1000.0 / tableRate));
            }
        }
        return Summarise(latencies, new LatencyResult
        {
            Mode = query.LatencyMode.ToString(), EventsPerSecond = perSecond.Values.Sum(), Epochs = epochs.Count,
            Collections = collections.ToString(), GcPauseMs = collections.PauseMs, AllocatedPerEpoch = collections.Allocated / Math.Max(1, epochs.Count),
            SlowestEpochs = SlowestSplit(epochs), CoresUsed = coresUsed, ThreadsWaiting = waiting,
        }, query);
    }

    // The mean split of the slowest 1% of data epochs (at least one): a tail made of walCommit is the write-ahead log's
    // fsync, one made of addBatch the run itself (a GC pause in it among the suspects).
    private static string SlowestSplit(IReadOnlyList<StreamingQueryProgress> epochs)
    {
        var data = epochs.Where(p => p.NumInputRows > 0).OrderByDescending(p => p.DurationMs.GetValueOrDefault("triggerExecution")).ToList();
        if (data.Count == 0) return "";
        var slowest = data.Take(Math.Max(1, data.Count / 100)).ToList();
        return string.Join(", ", slowest.SelectMany(p => p.DurationMs.Keys).Distinct().Order(StringComparer.Ordinal)
            .Select(k => $"{k} {slowest.Average(p => p.DurationMs.GetValueOrDefault(k)).ToString("F1", CultureInfo.InvariantCulture)}"));
    }

    private readonly record struct GcCounts(int Gen0, int Gen1, int Gen2, double PauseMs, long Allocated)
    {
        public static GcCounts Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration().TotalMilliseconds, GC.GetTotalAllocatedBytes());
        public static GcCounts operator -(GcCounts a, GcCounts b) => new(a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.PauseMs - b.PauseMs, a.Allocated - b.Allocated);
        public override string ToString() => $"{Gen0}/{Gen1}/{Gen2}";
    }

    // The source's description names its table: "NexmarkSource[table=bid, ...]".
    private static string? TableOf(string description)
    {
        var at = description.IndexOf("table=", StringComparison.Ordinal);
        if (at < 0) return null;
        var end = description.IndexOfAny([',', ']'], at);
        return description[(at + 6)..(end < 0 ? description.Length : end)];
    }

    private static LatencyResult Summarise(List<double> latencies, LatencyResult result, NexmarkQuery query)
    {
        latencies.Sort();
        double Percentile(double q) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
        result.Samples = latencies.Count;
        result.P50Ms = Percentile(0.50);
        result.P99Ms = Percentile(0.99);
        result.MaxMs = latencies.Count == 0 ? double.NaN : latencies[^1];
        Console.WriteLine($"  {query.Name}: latency at {result.EventsPerSecond:N0} bids/s: p50 {result.P50Ms:F1} ms, p99 {result.P99Ms:F1} ms, max {result.MaxMs:F1} ms over {result.Samples:N0} samples, {result.Epochs} epochs"
            + (result.Collections is null ? "" : $"; cores used {result.CoresUsed:F2}, threads waiting for a core {result.ThreadsWaiting:F2}; GCs {result.Collections}, paused {result.GcPauseMs:F1} ms, {result.AllocatedPerEpoch:N0} B allocated per epoch; slowest 1% of epochs: {result.SlowestEpochs}"));
        return result;
    }

    /// <summary>Latency with a file source: bid files renamed into an empty folder at a fixed rate, one sample per file.</summary>
    private static async Task<LatencyResult> MeasureFileLatencyAsync(EngineRunRequest r, NexmarkQuery query,
        ProgressCollector collector, double rate, Func<string, int?, NexmarkStreams> bids, string folder)
    {
        var interval = TimeSpan.FromMilliseconds(r.LatencyFileIntervalMs);
        var perFile = Math.Max(1, (int)Math.Round(rate * interval.TotalSeconds));
        var files = (int)Math.Ceiling(r.LatencySeconds / interval.TotalSeconds);
        // Every file is generated and encoded before the clock starts: the feeder then only writes and renames.
        var generator = new NexmarkGenerator(new NexmarkConfig(r.Seed, r.EventsPerSecond));
        var content = new byte[files][];
        Parallel.For(0, files, i => content[i] = NexmarkFiles.Encode(generator.Bids(r.LatencyFirstBid + (long)i * perFile, perFile), r.Format));
        var input = Path.GetFullPath(Path.Combine(r.WorkDirectory, folder));
        Directory.CreateDirectory(input);

        var visible = new ConcurrentDictionary<long, long>();
        var run = await query.Build(bids(input, null)).WriteStream.OutputMode(query.LatencyMode)
            .ForeachBatch((_, batchId) =>
            {
                visible.TryAdd(batchId, Stopwatch.GetTimestamp());
                return Task.CompletedTask;
            })
            .StartAsync();
        var handed = new ConcurrentDictionary<string, long>();
        var start = Stopwatch.GetTimestamp();
        var feeder = new Thread(() =>
        {
            for (var i = 0; i < files; i++)
            {
                var due = start + (long)(i * interval.TotalSeconds * Stopwatch.Frequency);
                while (Stopwatch.GetTimestamp() < due)
                {
                    var wait = (due - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
                    if (wait > 2) Thread.Sleep((int)wait - 1); else Thread.SpinWait(50);
                }
                var name = NexmarkFiles.FileName("bids", i, r.Format);
                NexmarkFiles.Publish(input, name, content[i]);
                handed[name] = Stopwatch.GetTimestamp();
            }
        }) { IsBackground = true, Name = "nexmark-feeder" };
        feeder.Start();
        await Task.Run(feeder.Join);
        await run.ProcessAllAvailableAsync();
        await run.StopAsync();

        var warmUpEnd = start + Stopwatch.Frequency;
        var latencies = new List<double>();
        var epochs = collector.Of(run);
        foreach (var p in epochs)
        {
            if (!visible.TryGetValue(p.BatchId, out var seen) || p.Sources.Count == 0 || p.Sources[0].EndOffset is not { } end) continue;
            if (!end.TryGetProperty("files", out var list)) continue;
            foreach (var file in list.EnumerateArray())
                if (handed.TryGetValue(Path.GetFileName(file.GetString()!), out var at) && at >= warmUpEnd)
                    latencies.Add((seen - at) * 1000.0 / Stopwatch.Frequency);
        }
        return Summarise(latencies, new LatencyResult
        {
            Mode = query.LatencyMode.ToString(),
            EventsPerSecond = perFile / interval.TotalSeconds,
            FileIntervalMs = interval.TotalMilliseconds,
            BidsPerFile = perFile,
            Epochs = epochs.Count,
        }, query);
    }
}
