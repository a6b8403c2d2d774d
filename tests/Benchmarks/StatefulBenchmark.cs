using OrleansStream.Client;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Benchmarks;

/// <summary>
/// Stateful measurements on an embedded silo: (1) a tumbling-window count over many distinct keys, as rows/s next to the
/// stateless query of the same run; (2) the checkpoint bytes each epoch writes for a keyed count with 1M keys when 1% of
/// them change per epoch (deltas), against the epochs that write a full snapshot.
/// </summary>
internal static class StatefulBenchmark
{
    public static async Task<StatelessBenchmark.Result> WindowedCountAsync(int rowsPerBatch, int epochs, long distinctKeys)
    {
        var dir = Path.Combine(Path.GetTempPath(), "os-bench-" + Guid.NewGuid().ToString("N")[..8]);
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir });
        var rate = session.ReadStream.Format("rate-micro-batch").Option("rowsPerBatch", rowsPerBatch).Load();
        var counts = rate.WithColumn("key", Col("value") % distinctKeys)
            .GroupBy(Window(Col("timestamp"), "1 hour"), Col("key"))
            .Count();
        var query = await counts.WriteStream.OutputMode(OutputMode.Update).Format("noop").StartAsync();
        while (query.RecentProgress.Count < epochs + 2 && query.IsActive) await Task.Delay(100);
        await query.StopAsync();
        if (query.Exception is { } error) throw error;
        var progress = query.RecentProgress.Skip(2).Take(epochs).ToList();
        var times = progress.Select(p => (double)p.DurationMs["triggerExecution"]).ToList();
        Directory.Delete(dir, true);
        return StatelessBenchmark.Summarise($"tumbling-window count, {distinctKeys:N0} keys", progress.Sum(p => p.NumInputRows), times.Sum() / 1000, times);
    }

    public static async Task CheckpointBytesAsync(int keys, int epochs)
    {
        var dir = Path.Combine(Path.GetTempPath(), "os-bench-" + Guid.NewGuid().ToString("N")[..8]);
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir });
        var input = session.CreateMemoryStream<long>();
        var query = await input.ToDF().GroupBy("value").Count().WriteStream.OutputMode(OutputMode.Update).Format("noop").StartAsync();
        await input.AddDataAsync(Enumerable.Range(0, keys).Select(i => (long)i).ToArray());
        await query.ProcessAllAvailableAsync();
        var changed = keys / 100;
        for (var e = 1; e < epochs; e++)
        {
            await input.AddDataAsync(Enumerable.Range(0, changed).Select(i => (long)((e * 7919L + i * 101L) % keys)).ToArray());
            await query.ProcessAllAvailableAsync();
        }
        await query.StopAsync();
        Console.WriteLine($"Keyed count, {keys:N0} keys, then {changed:N0} keys (1%) changed per epoch; snapshot every 10th epoch");
        Console.WriteLine($"{"batch",6} {"input rows",11} {"state rows",11} {"bytes written",14} {"snapshot",9} {"state commit ms",16} {"epoch ms",9}");
        foreach (var p in query.RecentProgress)
        {
            var op = p.StateOperators[0];
            Console.WriteLine($"{p.BatchId,6} {p.NumInputRows,11:N0} {op.NumRowsTotal,11:N0} {op.CustomMetrics["stateBytesWritten"],14:N0} {(op.CustomMetrics["snapshotsWritten"] > 0 ? "yes" : ""),9} {op.CommitTimeMs,16} {p.DurationMs["triggerExecution"],9}");
        }
        Directory.Delete(dir, true);
    }
}
