using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using OrleansStream.Client;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// Runs one query on an embedded silo, in a process of its own (so that peak memory is this query's, and no state grain
/// of an earlier query is still resident):
/// (1) warm-up over a few files; (2) throughput: every bid file of the run already in the folder, read by a file source
/// with maxFilesPerTrigger, Trigger.AvailableNow, noop sink (the blackhole sink other Nexmark harnesses use), the source
/// declaring only the columns the query reads, then (optionally) again declaring all seven; (3) latency: bid files handed
/// to an empty source folder at 10% of the saturated rate, default trigger, foreachBatch sink.
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
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions
        {
            DataDirectory = Path.Combine(r.WorkDirectory, "data"),
            // Orleans warns on every start that the process runs workstation GC (as the silo host does): keep the output readable.
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Error,
        });
        var collector = new ProgressCollector();
        session.Streams.AddListener(collector);
        // The primary runs declare only the columns the query reads; with "both" a second throughput run declares all
        // seven, which the planner's column pruning should bring close to the first.
        var primaryPruned = r.Schema != "full";
        DataFrame Bids(string directory, int? filesPerTrigger, bool pruned)
        {
            var reader = session.ReadStream.Format(r.Format).Schema(pruned ? NexmarkSchemas.BidDdlOf(query.Columns) : NexmarkSchemas.BidDdl);
            if (filesPerTrigger is { } f) reader = reader.Option("maxFilesPerTrigger", f);
            return reader.Load(directory);
        }

        // Warm-up: every source schema, sink and output mode once, so the measured runs do not pay for the JIT or first activations.
        foreach (var pruned in r.Schema == "both" ? new[] { true, false } : [primaryPruned])
            await (await query.Build(Bids(r.WarmupDirectory, 1, pruned)).WriteStream.OutputMode(query.Mode).Format("noop")
                .Trigger(Trigger.AvailableNow()).StartAsync()).AwaitTerminationAsync();
        await (await query.Build(Bids(r.WarmupDirectory, 1, primaryPruned)).WriteStream.OutputMode(query.LatencyMode)
            .ForeachBatch((_, _) => Task.CompletedTask).Trigger(Trigger.AvailableNow()).StartAsync()).AwaitTerminationAsync();

        var result = new EngineResult { Query = query.Name, Mode = query.Mode.ToString(), PrunedSchema = primaryPruned };
        var (epochs, meter) = await ThroughputAsync(query, collector, Bids(r.BidsDirectory, r.FilesPerTrigger, primaryPruned));
        Summarise(result, epochs, query);
        result.WallSeconds = meter.WallSeconds;
        result.CpuSeconds = meter.CpuSeconds;
        result.PeakResidentBytes = meter.PeakResidentBytes;
        result.PeakResidentIsPerRun = meter.PeakResidentIsPerInterval;
        result.PeakManagedBytes = meter.PeakManagedBytes;
        Console.WriteLine($"  {query.Name}: engine {result.Events:N0} bids in {result.WallSeconds:F2} s wall, {result.CpuSeconds:F2} s CPU, {result.DataEpochs} epochs");
        if (r.Schema == "both")
        {
            var (full, fullMeter) = await ThroughputAsync(query, collector, Bids(r.BidsDirectory, r.FilesPerTrigger, false));
            result.FullSchema = new ThroughputResult(full.Sum(p => p.NumInputRows), fullMeter.WallSeconds, fullMeter.CpuSeconds);
            Console.WriteLine($"  {query.Name}: engine, all 7 columns declared: {result.FullSchema.Events:N0} bids in {fullMeter.WallSeconds:F2} s wall, {fullMeter.CpuSeconds:F2} s CPU");
        }
        if (r.LatencySeconds > 0 && result.Events > 0)
            result.Latency = await MeasureLatencyAsync(r, query, session, collector, r.LatencyFraction * result.Events / result.WallSeconds,
                (directory, files) => Bids(directory, files, primaryPruned));
        return result;
    }

    /// <summary>One throughput run: the whole backlog with Trigger.AvailableNow into the noop sink.</summary>
    private static async Task<(IReadOnlyList<StreamingQueryProgress> Epochs, ProcessMeter Meter)> ThroughputAsync(NexmarkQuery query, ProgressCollector collector, DataFrame bids)
    {
        using var meter = ProcessMeter.Start();
        var run = await query.Build(bids).WriteStream.OutputMode(query.Mode).Format("noop").Trigger(Trigger.AvailableNow()).StartAsync();
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

    private static void Summarise(EngineResult result, IReadOnlyList<StreamingQueryProgress> epochs, NexmarkQuery query)
    {
        var data = epochs.Where(p => p.NumInputRows > 0).ToList();
        result.Events = data.Sum(p => p.NumInputRows);
        result.DataEpochs = data.Count;
        result.NoDataEpochs = epochs.Count - data.Count;
        foreach (var phase in new[] { "latestOffset", "walCommit", "addBatch", "commitOffsets", "triggerExecution" })
            result.EpochMs[phase] = data.Count == 0 ? 0 : data.Average(p => (double)p.DurationMs.GetValueOrDefault(phase));
        result.StateCommitMs = data.Count == 0 ? 0 : data.Average(p => (double)p.StateOperators.Sum(o => o.CommitTimeMs));
        long BytesOf(StreamingQueryProgress p) => p.StateOperators.Sum(o => o.CustomMetrics.GetValueOrDefault("stateBytesWritten"));
        result.StateBytesPerEpoch = data.Count == 0 ? 0 : data.Average(p => (double)BytesOf(p));
        result.StateBytesMax = epochs.Count == 0 ? 0 : epochs.Max(BytesOf);
        result.OutputRows = epochs.Sum(p => p.Sink.NumOutputRows);
        result.StateRows = epochs.Count == 0 ? 0 : epochs[^1].StateOperators.Sum(o => o.NumRowsTotal);
        if (query.IsAggregation && result.StateBytesMax == 0)
            Console.WriteLine($"  {query.Name}: no stateBytesWritten reported");
    }

    private static async Task<LatencyResult> MeasureLatencyAsync(EngineRunRequest r, NexmarkQuery query, StreamSession session,
        ProgressCollector collector, double rate, Func<string, int?, DataFrame> bids)
    {
        var interval = TimeSpan.FromMilliseconds(r.LatencyFileIntervalMs);
        var perFile = Math.Max(1, (int)Math.Round(rate * interval.TotalSeconds));
        var files = (int)Math.Ceiling(r.LatencySeconds / interval.TotalSeconds);
        // Every file is generated and encoded before the clock starts: the feeder then only writes and renames.
        var generator = new NexmarkGenerator(new NexmarkConfig(r.Seed, r.EventsPerSecond));
        var content = new byte[files][];
        Parallel.For(0, files, i => content[i] = NexmarkFiles.Encode(generator.Bids(r.LatencyFirstBid + (long)i * perFile, perFile), r.Format));
        var input = Path.GetFullPath(Path.Combine(r.WorkDirectory, "latency-in"));
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
        latencies.Sort();
        double Percentile(double q) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
        var result = new LatencyResult
        {
            Mode = query.LatencyMode.ToString(),
            EventsPerSecond = perFile / interval.TotalSeconds,
            FileIntervalMs = interval.TotalMilliseconds,
            BidsPerFile = perFile,
            Files = latencies.Count,
            Epochs = epochs.Count,
            P50Ms = Percentile(0.50),
            P99Ms = Percentile(0.99),
            MaxMs = latencies.Count == 0 ? double.NaN : latencies[^1],
        };
        Console.WriteLine($"  {query.Name}: latency at {result.EventsPerSecond:N0} bids/s: p50 {result.P50Ms:F1} ms, p99 {result.P99Ms:F1} ms over {result.Files} files, {result.Epochs} epochs");
        return result;
    }
}
