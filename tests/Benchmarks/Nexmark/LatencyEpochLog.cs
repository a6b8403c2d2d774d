using System.Collections.Concurrent;
using System.Globalization;
using OrleansStream.Interfaces.Progress;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// With NEXMARK_LATENCY_EPOCHS=FILE set, the engine child writes each paced latency run's epochs to FILE.&lt;query&gt;.&lt;n&gt; as CSV:
/// when the epoch's trigger started (Unix ms, and ms from the run's first), its input rows, the rows its source left behind
/// (the backlog), its durationMs split, state figures, and, as its progress arrived, the process's GC counts, GC pause total,
/// CPU time and the time its threads waited for a core (Linux schedstat: other load, or more runnable threads than cores),
/// so that what a tail is made of (a backlog that grows, a GC, an epoch of a new size) can be read epoch by epoch.
/// </summary>
internal sealed class LatencyEpochLog
{
    private static int s_runs;
    private readonly string _file;
    private readonly ConcurrentDictionary<long, (int Gen0, int Gen1, int Gen2, double PauseMs, long Allocated, double CpuMs, double WaitMs)> _atProgress = new();

    private LatencyEpochLog(string file) => _file = file;

    /// <summary>The log of <paramref name="query"/>'s next paced run asked for by the environment, or null. Named by the query:
    /// each query runs in its own engine process, whose run count starts again at 1.</summary>
    public static LatencyEpochLog? FromEnvironment(string query) =>
        Environment.GetEnvironmentVariable("NEXMARK_LATENCY_EPOCHS") is { Length: > 0 } file ? new LatencyEpochLog($"{file}.{query}.{Interlocked.Increment(ref s_runs)}") : null;

    /// <summary>Notes the process's GC counts, CPU time and run-queue wait as an epoch's progress arrives.</summary>
    public void OnProgress(StreamingQueryProgress p) =>
        _atProgress.TryAdd(p.BatchId, (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration().TotalMilliseconds, GC.GetTotalAllocatedBytes(), Environment.CpuUsage.TotalTime.TotalMilliseconds, RunQueueWaitMs()));

    /// <summary>Milliseconds this process's threads were runnable but waiting for a core, summed over its threads (Linux; 0 elsewhere).</summary>
    public static double RunQueueWaitMs()
    {
        double total = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                try
                {
                    var fields = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ');
                    total += long.Parse(fields[1], CultureInfo.InvariantCulture) / 1e6;
                }
                catch (IOException)
                {
                    // The thread ended meanwhile.
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
        }
        return total;
    }

    /// <summary>Writes the run's epochs, oldest first, with what was noted as each arrived.</summary>
    public void Write(IReadOnlyList<StreamingQueryProgress> epochs)
    {
        var c = CultureInfo.InvariantCulture;
        using var w = new StreamWriter(_file);
        w.WriteLine("batch,unixMs,startMs,rows,behind,latestOffset,walCommit,addBatch,commitOffsets,triggerExecution,stateCommit,backgroundWrite,stateWritten,removed,removalsMs,updated,gen0,gen1,gen2,gcPauseMs,allocMB,cpuMs,waitMs");
        long? first = null;
        foreach (var p in epochs)
        {
            var start = DateTimeOffset.Parse(p.Timestamp, c).ToUnixTimeMilliseconds();
            first ??= start;
            var behind = p.Sources.Sum(s => long.TryParse(s.Metrics.GetValueOrDefault("rowsBehindLatest"), out var b) ? b : 0);
            long D(string k) => p.DurationMs.GetValueOrDefault(k);
            long S(Func<StateOperatorProgress, long> f) => p.StateOperators.Sum(f);
            var g = _atProgress.GetValueOrDefault(p.BatchId);
            w.WriteLine(string.Join(',', p.BatchId, start, start - first, p.NumInputRows, behind, D("latestOffset"), D("walCommit"), D("addBatch"), D("commitOffsets"), D("triggerExecution"),
                S(o => o.CommitTimeMs), S(o => o.CustomMetrics.GetValueOrDefault("backgroundWriteTimeMs")), S(o => o.CustomMetrics.GetValueOrDefault("stateBytesWritten")),
                S(o => o.NumRowsRemoved), S(o => o.AllRemovalsTimeMs), S(o => o.NumRowsUpdated), g.Gen0, g.Gen1, g.Gen2, g.PauseMs.ToString("F1", c), (g.Allocated >> 20).ToString(c), g.CpuMs.ToString("F0", c), g.WaitMs.ToString("F0", c)));
        }
    }
}
