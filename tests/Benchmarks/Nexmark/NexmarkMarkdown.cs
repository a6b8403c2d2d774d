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
        s.AppendLine(Inv($"`dotnet run -c Release --project tests/Benchmarks -- {report.Command}` — {report.StartedUtc:yyyy-MM-dd HH:mm} UTC, {report.Runtime}, {report.CoresAvailable} cores."));
        s.AppendLine(Inv($"Engine source: {report.Source}; noop sink; Trigger.AvailableNow over the backlog; one embedded silo per query in its own process."));
        s.AppendLine("Per core = per CPU second of the whole process (all threads: silo, GC, DuckDB's); cores used = CPU s / wall s. "
            + "The hand loop and Rx get the bids as the engine's source does (generated as they go, only the columns the query reads); "
            + "'generator /core' is that input alone, the part of every figure no system can avoid. DuckDB reads the same bids from Parquet files.");
        if (joins)
            s.AppendLine("Joins (q3, q4, q8, q9) read one nexmark source per table, all of one stream (same seed and rate): the first events of the stream that hold "
                + "the run's event count in rows of the tables read, whole blocks of 50 events per epoch; 'bids/s' and 'per core' count those rows. "
                + "Their hand loop is a symmetric hash join over the same generated batches, DuckDB reads the same rows from Parquet files per table; no Rx baseline.");
        if (report.Runs > 1)
            s.AppendLine(Inv($"Each query ran {report.Runs} times, engine and baselines alternating; every figure is the median run's (by CPU time), ratios are of the medians, and the last columns give each run's ratios in run order (run i of the engine against run i of the baseline)."));
        if (report.SourceDecodeEventsPerCoreSecond > 0)
            s.AppendLine(Inv($"The engine's {report.Format} reader alone decodes {report.SourceDecodeEventsPerCoreSecond:N0} bids (all 7 columns) per CPU second, single-threaded."));
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
        s.AppendLine("Epoch time split (mean ms per data epoch, from progress durationMs; state commit = stateOperators commitTimeMs; background write = customMetrics backgroundWriteTimeMs, the previous version's write that ran during the epoch; evicted rows and eviction ms = stateOperators numRowsRemoved and allRemovalsTimeMs per epoch with data or evictions, summed over operators and partitions; late rows = numRowsDroppedByWatermark over the run), checkpoint bytes (stateOperators customMetrics stateBytesWritten), latency (bid handed to the source → foreachBatch call of its epoch, default trigger, input paced at 10% of the saturated rate), peak memory, managed allocation per bid, GC pause share of wall time and GC count (gen 0/1/2) of the throughput run.");
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

    private static string Number(double v) => double.IsNaN(v) || double.IsInfinity(v) ? "–"
        : v >= 1e9 ? Inv($"{v / 1e9:0.0} G") : v >= 1e6 ? Inv($"{v / 1e6:0.00} M") : v >= 1e3 ? Inv($"{v / 1e3:0.0} K") : Inv($"{v:0}");

    private static string Bytes(double v) => v >= 1048576 ? Inv($"{v / 1048576:0.0} MB") : v >= 1024 ? Inv($"{v / 1024:0.0} KB") : Inv($"{v:0} B");

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
