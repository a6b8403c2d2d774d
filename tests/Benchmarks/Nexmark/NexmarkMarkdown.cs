using System.Globalization;
using System.Text;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>The suite's results as markdown: a throughput table with the baseline ratios, and an epoch/latency/memory table.</summary>
public static class NexmarkMarkdown
{
    /// <summary>The markdown of <paramref name="report"/>.</summary>
    public static string Write(NexmarkReport report)
    {
        var s = new StringBuilder();
        var joins = report.Queries.Any(q => NexmarkQueries.Get(q.Query).IsMultiTable);
        s.AppendLine(Inv($"## Nexmark, {report.Events:N0} {(joins ? "events per query (bids; for a join, the rows of the tables it reads together)" : "bids")}, event-time rate {report.EventTimeRate:N0} ev/s"));
        s.AppendLine();
        s.AppendLine(Inv($"`dotnet run -c Release --project tests/Benchmarks -- {report.Command}` — {report.StartedUtc:yyyy-MM-dd HH:mm} UTC, {report.Runtime}, {report.CoresAvailable} cores{(report.LoadAverage.Length > 0 ? $", load average (1/5/15 min) {report.LoadAverage}" : "")}."));
        s.AppendLine(Inv($"Engine source: {report.Source}; noop sink; Trigger.AvailableNow over the backlog; one embedded silo per query in its own process, timed after a warm-up of 40 epochs of 20,000 generated rows (3 files of a file source; prebuilt, then 3 epochs of the run's rows per batch) and until the JIT is idle."));
        s.AppendLine("Per core = per CPU second of the whole process (all threads: silo, GC, DuckDB's); cores used = CPU s / wall s. "
            + (report.InputPrebuilt
                ? "The engine, the hand loop and Rx read the bids generated into memory before timing (only the columns the query reads); 'generator /core' is the cost of making them, in none of the other figures. "
                : "The hand loop and Rx get the bids as the engine's source does (generated as they go, only the columns the query reads); 'generator /core' is that input alone, the part of every figure no system can avoid. ")
            + "DuckDB reads the same bids from Parquet files (decoding them is in its figure).");
        if (joins)
            s.AppendLine("Joins (q3, q4, q8, q9) read one nexmark source per table, all of one stream (same seed and rate): the first events of the stream that hold "
                + "the run's event count in rows of the tables read, whole blocks of 50 events per epoch; 'bids/s' and 'per core' count those rows. "
                + "Their hand loop is a symmetric hash join over the same generated batches, DuckDB reads the same rows from Parquet files per table; no Rx baseline.");
        if (report.Runs > 1)
            s.AppendLine(Inv($"Each query ran {report.Runs} times, engine and baselines alternating; every figure is the median run's (by CPU time), ratios are of the medians, and the last columns give each run's ratios in run order (run i of the engine against run i of the baseline)."));
        if (report.SourceDecodeEventsPerCoreSecond > 0)
            s.AppendLine(Inv($"The engine's {report.Format} reader alone decodes {report.SourceDecodeEventsPerCoreSecond:N0} bids (all 7 columns) per CPU second, single-threaded."));
        s.AppendLine();
        WriteNetOfInput(s, report);
        s.AppendLine("All figures per query (the input's generation included where the source generates):");
        s.AppendLine();
        s.AppendLine("| query | mode | engine bids/s | cores used | engine /core | engine /core, 7 columns declared | generator /core | hand /core | engine/hand | Rx /core | engine/Rx | DuckDB /core | engine/DuckDB | result rows engine / hand / Rx / DuckDB | engine/hand per run | engine/Rx per run |");
        s.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|");
        foreach (var q in report.Queries)
        {
            var e = q.Engine;
            if (e.Error is not null)
            {
                s.AppendLine(Inv($"| {q.Query} | {e.Mode} | failed: {e.Error.Replace("|", "\\|", StringComparison.Ordinal)} | | | | | | | | | | | | | |"));
                continue;
            }
            BaselineResult? B(string system) => q.Baselines.FirstOrDefault(b => b.System == system);
            string Rate(BaselineResult? b) => b is null ? "–" : Number(b.EventsPerCoreSecond);
            string Ratio(string system) => B(system) is null ? "–" : Inv($"{q.Ratio(system):0.000}");
            string Rows(BaselineResult? b) => b is null ? "–" : b.OutputRows.ToString("N0", CultureInfo.InvariantCulture);
            string PerRun(string system, string format) => B(system) is null ? "–" : string.Join(" ", q.RunRatios(system).Select(r => r.ToString(format, CultureInfo.InvariantCulture)));
            s.AppendLine(Inv($"| {q.Query} | {e.Mode} | {Number(e.Events / e.WallSeconds)} | {e.CpuSeconds / e.WallSeconds:0.00} | {Number(q.EngineEventsPerCoreSecond)} | {(e.FullSchema is { } full ? Number(full.EventsPerCoreSecond) : "–")} | {Rate(B("generator"))} | {Rate(B("hand"))} | {Ratio("hand")} | {Rate(B("rx"))} | {Ratio("rx")} | {Rate(B("duckdb"))} | {Ratio("duckdb")} | {q.EngineResultRows:N0} / {Rows(B("hand"))} / {Rows(B("rx"))} / {Rows(B("duckdb"))} | {PerRun("hand", "0.00")} | {PerRun("rx", "0.0")} |"));
        }
        s.AppendLine();
        s.AppendLine("Epoch time split (mean ms per data epoch, from progress durationMs; state commit = stateOperators commitTimeMs; background write = customMetrics backgroundWriteTimeMs, the previous version's write that ran during the epoch; evicted rows and eviction ms = stateOperators numRowsRemoved and allRemovalsTimeMs per epoch with data or evictions, summed over operators and partitions; late rows = numRowsDroppedByWatermark over the run), checkpoint bytes (stateOperators customMetrics stateBytesWritten), latency (bid handed to the source → its output visible, default trigger, input paced at the first latency fraction of the saturated rate; see the latency table), peak memory, managed allocation per bid, GC pause share of wall time and GC count (gen 0/1/2) of the throughput run.");
        s.AppendLine();
        s.AppendLine("| query | epochs (+no-data) | bids/epoch | latestOffset | walCommit | addBatch | commitOffsets | state commit | background write | evicted rows/epoch | eviction ms | late rows | ckpt bytes/epoch (max) | latency mode | input bids/s | p50 ms | p99 ms | peak RSS MB | peak heap MB | alloc B/bid | GC pause | GCs |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var q in report.Queries.Where(q => q.Engine.Error is null))
        {
            var e = q.Engine;
            double Ms(string phase) => e.EpochMs.GetValueOrDefault(phase);
            var l = e.Latency;
            s.AppendLine(Inv($"| {q.Query} | {e.DataEpochs} (+{e.NoDataEpochs}) | {(e.DataEpochs == 0 ? 0 : e.Events / e.DataEpochs):N0} | {Ms("latestOffset"):0.0} | {Ms("walCommit"):0.0} | {Ms("addBatch"):0.0} | {Ms("commitOffsets"):0.0} | {e.StateCommitMs:0.0} | {e.StateBackgroundWriteMs:0.0} | {e.StateRowsRemovedPerEpoch:N0} | {e.StateRemovalsMs:0.0} | {e.RowsDroppedByWatermark:N0} | {Bytes(e.StateBytesPerEpoch)} ({Bytes(e.StateBytesMax)}) | {l?.Mode ?? "–"} | {(l is null ? "–" : Number(l.EventsPerSecond))} | {(l is null ? "–" : Inv($"{l.P50Ms:0.0}"))} | {(l is null ? "–" : Inv($"{l.P99Ms:0.0}"))} | {e.PeakResidentBytes / 1048576.0:N0}{(e.PeakResidentIsPerRun ? "" : "*")} | {e.PeakManagedBytes / 1048576.0:N0} | {(e.Events == 0 ? 0 : (double)e.AllocatedBytes / e.Events):0} | {(e.WallSeconds == 0 ? 0 : e.GcPauseSeconds / e.WallSeconds):0.0%} | {string.Join("/", e.Collections)} |"));
        }
        s.AppendLine();
        // A transformWithState query next to the built-in query it equals (q11-tws and q11): the speed ratio, and how much of
        // its epoch the state commit takes.
        foreach (var tws in report.Queries.Where(q => q.Query.EndsWith("-tws", StringComparison.Ordinal) && q.Engine.Error is null))
        {
            var builtIn = report.Queries.FirstOrDefault(q => q.Query == tws.Query[..^4] && q.Engine.Error is null);
            var epoch = tws.Engine.EpochMs.GetValueOrDefault("triggerExecution");
            s.AppendLine(Inv($"{tws.Query}: {Number(tws.EngineEventsPerCoreSecond)} bids per core-s{(builtIn is null ? "" : Inv($", {tws.EngineEventsPerCoreSecond / builtIn.EngineEventsPerCoreSecond:0.000} × {builtIn.Query}'s {Number(builtIn.EngineEventsPerCoreSecond)}"))}; state commit {tws.Engine.StateCommitMs:0.0} ms of a {epoch:0.0} ms epoch ({(epoch == 0 ? 0 : tws.Engine.StateCommitMs / epoch):0.0%}), {tws.Engine.StateRows:N0} state rows at the end."));
            s.AppendLine();
        }
        s.AppendLine("Queries: " + string.Join("; ", report.Queries.Select(q => $"{q.Query} = {q.Computes}")) + ".");
        return s.ToString();
    }

    // Issue 23's tables: each system's own cost per event net of making its input, generation as a row of its own, the
    // scaling and latency rows, and the targets of item 2 against what this run measured.
    private static void WriteNetOfInput(StringBuilder s, NexmarkReport report)
    {
        var ok = report.Queries.Where(q => q.Engine.Error is null).ToList();
        s.AppendLine(report.InputPrebuilt
            ? "**Net of input.** Engine and hand loop read the same rows already generated into Arrow batches in memory (only the columns the query reads) and Rx the same batches as objects; generating them is timed apart (below). "
                + "ns/event = CPU ns of the whole process per event (all threads); events/s per core = events per CPU second; engine/hand = engine events per core-s ÷ hand loop's (≥ 1: the engine is as cheap as the hand loop); "
                + "GC pause = share of the run's wall time the GC paused the process; alloc = managed bytes allocated per event during the run; the epoch split is mean ms per data epoch (walCommit: the offset write-ahead log; addBatch: the run; commitOffsets: the commit; state commit: stateOperators commitTimeMs): exactly-once is on."
            : "**Net of input.** The input is generated as it is read (in the engine's source tasks, in the hand loop's and Rx's batches): each system's ns/event here is its figure less the generator's ns/event of the same run (an estimate: use `--source prebuilt` for a measurement). Columns as with prebuilt input.");
        s.AppendLine();
        s.AppendLine("| query | mode | engine ns/event | engine events/s per core | engine events/s | cores used | hand ns/event | engine/hand | Rx ns/event | engine/Rx | DuckDB ns/event | engine/DuckDB | GC pause | alloc B/event | epoch ms | walCommit | addBatch | commitOffsets | state commit | engine/hand per run |");
        s.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var q in ok)
        {
            var e = q.Engine;
            var engine = NetNs(report, q, q.EngineNsPerEvent);
            string Ns(string system) => q.BaselineNsPerEvent(system) is var ns && double.IsNaN(ns) ? "–" : NsText(NetNs(report, q, ns));
            string Ratio(string system) => q.BaselineNsPerEvent(system) is var ns && double.IsNaN(ns) ? "–" : Inv($"{NetNs(report, q, ns) / engine:0.000}");
            double Ms(string phase) => e.EpochMs.GetValueOrDefault(phase);
            var perRun = q.EngineRuns.Zip(q.BaselineRuns.Where(b => b.System == "hand"), (run, hand) =>
                NetNs(report, q, 1e9 / hand.EventsPerCoreSecond) / NetNs(report, q, run.CpuSeconds * 1e9 / Math.Max(1, run.Events)));
            s.AppendLine(Inv($"| {q.Query} | {e.Mode} | {engine:0.0} | {Number(1e9 / engine)} | {Number(e.Events / e.WallSeconds)} | {e.CpuSeconds / e.WallSeconds:0.00} | {Ns("hand")} | {Ratio("hand")} | {Ns("rx")} | {Ratio("rx")} | {Ns("duckdb")} | {Ratio("duckdb")} | {(e.WallSeconds == 0 ? 0 : e.GcPauseSeconds / e.WallSeconds):0.0%} | {(e.Events == 0 ? 0 : (double)e.AllocatedBytes / e.Events):0.0} | {Ms("triggerExecution"):0.0} | {Ms("walCommit"):0.0} | {Ms("addBatch"):0.0} | {Ms("commitOffsets"):0.0} | {e.StateCommitMs:0.0} | {string.Join(" ", perRun.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))} |"));
        }
        s.AppendLine();
        s.AppendLine("**Generation** of the same rows (the Nexmark generator, single-threaded, only the columns the query reads), excluded from every figure above" + (report.InputPrebuilt ? "; 'prebuild s' is the engine process's wall time making its input on every core before its timed run." : "."));
        s.AppendLine();
        s.AppendLine("| query | columns | generate ns/event | generate events/s per core | prebuild s |");
        s.AppendLine("|---|---|---:|---:|---:|");
        foreach (var q in ok)
        {
            var ns = q.BaselineNsPerEvent("generator");
            var reads = NexmarkQueries.Get(q.Query).Reads;
            s.AppendLine(Inv($"| {q.Query} | {string.Join("; ", reads.Select(r => reads.Count > 1 ? $"{r.Key}: {string.Join(", ", r.Value)}" : string.Join(", ", r.Value)))} | {(double.IsNaN(ns) ? "–" : Inv($"{ns:0.0}"))} | {(double.IsNaN(ns) ? "–" : Number(1e9 / ns))} | {(report.InputPrebuilt ? Inv($"{q.Engine.PrebuildSeconds:0.0}") : "–")} |"));
        }
        s.AppendLine();
        WriteScaling(s, report, ok);
        WriteLatency(s, report, ok);
        WriteTargets(s, report, ok);
    }

    private static void WriteScaling(StringBuilder s, NexmarkReport report, List<QueryReport> ok)
    {
        if (report.Cores.Count < 2) return;
        var (fewest, most) = (report.Cores[0], report.Cores[^1]);
        var scaled = ok.SelectMany(q => q.ScalingRuns).Any(r => r.Scaling is not null);
        s.AppendLine(Inv($"**Scaling.** Each run of the engine ran once per core count, the process pinned with `taskset -c` to the first cores (fewest first, then the baselines); events/s = events per wall second of ")
            + (scaled
                ? Inv($"the scaling run, the median run's (by that rate); cores used = CPU s / wall s of it. A throughput run of a fast query lasts tens of ms, mostly its start and end, so after its throughput and latency runs each pinned process runs the query once more (same trigger, sink and epochs of rowsPerBatch rows) over rows enough to last at least {report.ScalingSeconds:0.0#} s at the rate it just measured: a query that reads repeatably (no event time) reads the throughput run's prebuilt batches again and again, an event-time query reads a larger input prebuilt for it before its clock starts (at most 100 M rows). The tables above are the {most}-core processes' throughput runs.")
                : Inv($"the throughput run, the median run's (by that rate); cores used = CPU s / wall s. The {most}-core runs are the ones in the tables above.")));
        s.AppendLine();
        s.AppendLine("| query | " + string.Join(" | ", report.Cores.Select(c => Inv($"{c} core{(c == 1 ? "" : "s")}: events/s (cores used)"))) + Inv($" | {most}/{fewest} | {most}/{fewest} per run |"));
        s.AppendLine("|---|" + string.Concat(report.Cores.Select(_ => "---:|")) + "---:|---|");
        foreach (var q in ok)
        {
            var rate = report.Cores.ToDictionary(c => c, c => q.ScalingRuns.Where(r => r.PinnedCores == c && r.Error is null).Select(Rate).Order().ToList());
            double Median(int c) => rate[c].Count == 0 ? double.NaN : rate[c][rate[c].Count / 2];
            string Cell(int c)
            {
                var runs = q.ScalingRuns.Where(r => r.PinnedCores == c && r.Error is null).OrderBy(Rate).ToList();
                var median = runs.Count == 0 ? null : Scaling(runs[runs.Count / 2]);
                return median is null ? "–" : Inv($"{Number(Rate(median))} ({median.CpuSeconds / median.WallSeconds:0.00})");
            }
            var perRun = q.ScalingRuns.Where(r => r.PinnedCores == fewest).Zip(q.ScalingRuns.Where(r => r.PinnedCores == most), (a, b) => Rate(b) / Rate(a));
            s.AppendLine($"| {q.Query} | " + string.Join(" | ", report.Cores.Select(Cell)) + Inv($" | {Median(most) / Median(fewest):0.00} | {string.Join(" ", perRun.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))} |"));
        }
        s.AppendLine();
    }

    // A pinned run's scaling figures: its scaling run's, or its throughput run's where it had none.
    private static EngineResult Scaling(EngineResult r) => r.Scaling ?? r;

    private static double Rate(EngineResult r) => Scaling(r) is { WallSeconds: > 0 } s ? s.Events / s.WallSeconds : double.NaN;

    private static void WriteLatency(StringBuilder s, NexmarkReport report, List<QueryReport> ok)
    {
        var measured = ok.Where(q => q.Engine.Latencies.Count > 0).ToList();
        if (measured.Count == 0) return;
        s.AppendLine("**Latency** (first run only): input paced at a fraction of the saturated rate the same process had just measured (its throughput run), default trigger; a row's latency = the moment its output is visible − the moment the row was handed to the source (prebuilt and nexmark sources: paced by the silo's clock, row k at start + (k + 1) / rate; files: renamed into the source folder at a fixed interval); the first second is left out. "
            + (report.LatencySink == "noop" ? "Sink: noop; the output is visible when its epoch has committed (progress timestamp + triggerExecution, ms). " : "Sink: foreachBatch; the output is visible when the function is called with its epoch's rows in the client. ")
            + "With prebuilt input, a query without event time reads the prebuilt rows again and again for the whole run; an event-time query reads them once (repeated times would be late), from a table made for the latency runs with rows for their whole length (at most 100 M: a shorter 'seconds' at a high rate).");
        s.AppendLine();
        s.AppendLine("Cores used: CPU seconds of the engine process per wall second of the latency run, and in brackets of its throughput run: a latency run that got fewer cores than its saturated rate was measured with (another load on the machine) runs above that fraction of what it could do then.");
        s.AppendLine();
        s.AppendLine("| query | mode | fraction | saturated events/s | input events/s | seconds | samples | epochs | p50 ms | p99 ms | max ms | cores used |");
        s.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var q in measured)
            foreach (var l in q.Engine.Latencies)
                s.AppendLine(Inv($"| {q.Query} | {l.Mode} | {l.Fraction:0%} | {Number(l.EventsPerSecond / l.Fraction)} | {Number(l.EventsPerSecond)} | {l.Seconds:0.0} | {l.Samples:N0} | {l.Epochs} | {l.P50Ms:0.0} | {l.P99Ms:0.0} | {l.MaxMs:0.0} | {(l.CoresUsed > 0 ? $"{l.CoresUsed:0.00} ({q.Engine.CpuSeconds / q.Engine.WallSeconds:0.00})" : "–")} |"));
        s.AppendLine();
    }

    private static void WriteTargets(StringBuilder s, NexmarkReport report, List<QueryReport> ok)
    {
        var rows = new List<(string Target, string Measured, bool? Met)>();
        void Add(string target, IEnumerable<(string Query, double Value, string Text)> values, Func<double, bool> met)
        {
            var list = values.Where(v => !double.IsNaN(v.Value)).ToList();
            if (list.Count > 0) rows.Add((target, string.Join(", ", list.Select(v => $"{v.Query} {v.Text}")), list.All(v => met(v.Value))));
        }
        double Engine(QueryReport q) => NetNs(report, q, q.EngineNsPerEvent);
        double HandRatio(QueryReport q) => NetNs(report, q, q.BaselineNsPerEvent("hand")) / Engine(q);
        var stateless = ok.Where(q => q.Query is "q0" or "q1" or "q2").ToList();
        Add("engine/hand ≥ 0.5 on q5-agg, q7-agg, q12, count-1m", ok.Where(q => q.Query is "q5-agg" or "q7-agg" or "q12" or "count-1m").Select(q => (q.Query, HandRatio(q), Inv($"{HandRatio(q):0.000}"))), v => v >= 0.5);
        Add("engine ≤ 15 ns/event on q0–q2 (hand loop's beside it)", stateless.Select(q => (q.Query, Engine(q), Inv($"{Engine(q):0.0} (hand {NsText(NetNs(report, q, q.BaselineNsPerEvent("hand")))})"))), v => v <= 15);
        Add("GC pauses ≤ 3% of wall time", ok.Select(q => (q.Query, q.Engine.GcPauseSeconds / q.Engine.WallSeconds, Inv($"{q.Engine.GcPauseSeconds / q.Engine.WallSeconds:0.0%}"))), v => v <= 0.03);
        Add("allocation ≤ 8 B/event on q0–q2", stateless.Select(q => (q.Query, (double)q.Engine.AllocatedBytes / q.Engine.Events, Inv($"{(double)q.Engine.AllocatedBytes / q.Engine.Events:0.0} B"))), v => v <= 8);
        if (report.Cores.Count >= 2)
        {
            var (fewest, most) = (report.Cores[0], report.Cores[^1]);
            double Scale(QueryReport q)
            {
                double Median(int c) => q.ScalingRuns.Where(r => r.PinnedCores == c && r.Error is null).Select(Rate).Order().ToList() is { Count: > 0 } l ? l[l.Count / 2] : double.NaN;
                return Median(most) / Median(fewest);
            }
            Add(Inv($"{fewest} → {most} cores ≥ 1.7× events/s (taskset)"), ok.Select(q => (q.Query, Scale(q), Inv($"{Scale(q):0.00}×"))), v => v >= 1.7);
        }
        foreach (var (fraction, bound) in new[] { (0.1, 10.0), (0.8, 50.0) })
            Add(Inv($"p99 ≤ {bound:0} ms at {fraction:0%} of the saturated rate"),
                ok.SelectMany(q => q.Engine.Latencies.Where(l => Math.Abs(l.Fraction - fraction) < 1e-9).Select(l => (q.Query, l.P99Ms, Inv($"{l.P99Ms:0.0} ms")))), v => v <= bound);
        if (rows.Count == 0) return;
        s.AppendLine("**Issue 23's targets** (item 2) against this run (exactly-once on; ratios of this one run):");
        s.AppendLine();
        s.AppendLine("| target | measured | met |");
        s.AppendLine("|---|---|---|");
        foreach (var (target, measured, met) in rows) s.AppendLine($"| {target} | {measured} | {(met == true ? "yes" : "no")} |");
        s.AppendLine();
    }

    // A hand loop that only wraps columns (q0) spends a fraction of a nanosecond per event: show its digits.
    private static string NsText(double ns) => ns < 1 ? Inv($"{ns:0.000}") : Inv($"{ns:0.0}");

    // With prebuilt input a figure is already net of making it; otherwise the generator's ns of the same run are taken off.
    private static double NetNs(NexmarkReport report, QueryReport q, double ns) => report.InputPrebuilt ? ns : ns - q.BaselineNsPerEvent("generator");

    private static string Number(double v) => double.IsNaN(v) || double.IsInfinity(v) ? "–"
        : v >= 1e9 ? Inv($"{v / 1e9:0.0} G") : v >= 1e6 ? Inv($"{v / 1e6:0.00} M") : v >= 1e3 ? Inv($"{v / 1e3:0.0} K") : Inv($"{v:0}");

    private static string Bytes(double v) => v >= 1048576 ? Inv($"{v / 1048576:0.0} MB") : v >= 1024 ? Inv($"{v / 1024:0.0} KB") : Inv($"{v:0} B");

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
