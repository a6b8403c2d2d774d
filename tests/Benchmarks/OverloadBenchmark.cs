using System.Diagnostics;
using System.Globalization;
using OrleansStream.Client;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Benchmarks;

/// <summary>
/// A query fed faster than it can process: the rate source at a fixed rate into a projection and filter, for a fixed time,
/// on an embedded silo in this process. Every few seconds it prints the process's memory (working set, GC heap), the
/// epoch's input rows and the rows the source left behind, so that a run shows memory staying bounded while the query
/// falls behind. `--max-rows-per-trigger N` overrides the admission limit (a huge N shows the unbounded behaviour).
/// </summary>
internal static class OverloadBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rate = Option(args, "--rows-per-second", 8_000_000);
        var seconds = Option(args, "--seconds", 120);
        var maxRows = args.Contains("--max-rows-per-trigger") ? Option(args, "--max-rows-per-trigger", 0) : (long?)null;
        var data = Path.Combine(Path.GetTempPath(), "os-overload-" + Guid.NewGuid().ToString("N")[..8]);
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = data });
        var reader = session.ReadStream.Format("rate").Option("rowsPerSecond", rate).Option("numPartitions", 2);
        if (maxRows is { } m) reader = reader.Option("maxRowsPerTrigger", m);
        var query = await reader.Load()
            .Where(Col("value") % 3 != 0)
            .Select(Col("timestamp"), (Col("value") * 2).As("doubled"))
            .WriteStream.Format("noop").StartAsync();
        Console.WriteLine($"rate source at {rate:N0} rows/s for {seconds} s, maxRowsPerTrigger {(maxRows?.ToString("N0", CultureInfo.InvariantCulture) ?? "default (from the epoch memory budget)")}");
        Console.WriteLine($"{"s",5} {"working set MB",15} {"GC heap MB",11} {"max WS MB",10} {"epoch rows",12} {"rows behind",14} {"processed rows/s",17}");
        var watch = Stopwatch.StartNew();
        long maxWorkingSet = 0;
        using var process = Process.GetCurrentProcess();
        while (watch.Elapsed < TimeSpan.FromSeconds(seconds) && query.IsActive)
        {
            // Sampled every 200 ms for the maximum, printed every 5 s.
            for (var i = 0; i < 25 && query.IsActive; i++)
            {
                await Task.Delay(200);
                process.Refresh();
                maxWorkingSet = Math.Max(maxWorkingSet, process.WorkingSet64);
            }
            var last = query.LastProgress;
            Console.WriteLine($"{watch.Elapsed.TotalSeconds,5:F0} {process.WorkingSet64 / 1_048_576.0,15:F0} {GC.GetTotalMemory(false) / 1_048_576.0,11:F0} {maxWorkingSet / 1_048_576.0,10:F0} "
                + $"{last?.NumInputRows ?? 0,12:N0} {(last?.Sources[0].Metrics.GetValueOrDefault("rowsBehindLatest") ?? "0"),14} {last?.ProcessedRowsPerSecond ?? 0,17:N0}");
            if (maxWorkingSet > 8L << 30)
            {
                Console.WriteLine("stopping: the working set passed 8 GB");
                break;
            }
        }
        await query.StopAsync();
        Console.WriteLine($"max working set {maxWorkingSet / 1_048_576.0:F0} MB");
        try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        return 0;
    }

    private static long Option(string[] args, string name, long fallback)
    {
        var i = System.Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? long.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
