using System.Diagnostics;
using System.Globalization;
using Apache.Arrow;
using OrleansStream.Client;
using OrleansStream.Plan.Data;
using OrleansStream.Plan.Types;

namespace OrleansStream.Benchmarks;

/// <summary>
/// Durable ingest through the SDK: concurrent writers append batches of 1, 100 and 10,000 rows with
/// <c>IngestWriter.WriteAsync(RecordBatch)</c> to an ingest on an embedded silo with file-system checkpoints (every segment
/// written and flushed to disk before the write returns). Reports rows/s and rows/s per core (rows per CPU second of the
/// whole process: writers, silo and store), then checks with a query that the ingest holds every row once.
/// </summary>
internal static class IngestBenchmark
{
    private const string Schema = "id BIGINT, user STRING, amount DOUBLE, ts TIMESTAMP";

    public static async Task<int> RunAsync(string[] args)
    {
        var sizes = (Value(args, "--batch-sizes") ?? "1,100,10000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var writers = (int)Option(args, "--writers", 16);
        var partitions = (int)Option(args, "--partitions", 4);
        var seconds = Option(args, "--seconds", 10);
        var data = Path.Combine(Path.GetTempPath(), "os-ingest-bench-" + Guid.NewGuid().ToString("N")[..8]);
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = data, LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning });
        Console.WriteLine($"ingest through the SDK, durable (file-system checkpoints under {data}), {writers} writers, {partitions} partitions, ~{seconds} s per batch size");
        Console.WriteLine($"{"rows/batch",10} {"batches",9} {"rows",12} {"wall s",7} {"CPU s",7} {"cores",6} {"rows/s",12} {"rows/s/core",12} {"p50 ms",7} {"p99 ms",7} {"check",8}");
        foreach (var size in sizes)
        {
            var name = $"bench{size}";
            await session.CreateIngestAsync(name, Schema, new IngestOptions { Partitions = partitions });
            var batch = Batch(size);
            var writer = session.Ingest(name);
            // A warm-up second: activations, JIT of the append path.
            var warmUp = (await RunWritersAsync(writer, batch, writers, TimeSpan.FromSeconds(1))).Count;
            using var process = Process.GetCurrentProcess();
            var cpu0 = process.TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            var latencies = await RunWritersAsync(writer, batch, writers, TimeSpan.FromSeconds(seconds));
            wall.Stop();
            process.Refresh();
            var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
            long rows = (long)latencies.Count * size;
            latencies.Sort();
            var stored = await CountAsync(session, name);
            Console.WriteLine($"{size,10:N0} {latencies.Count,9:N0} {rows,12:N0} {wall.Elapsed.TotalSeconds,7:F1} {cpu,7:F1} {cpu / wall.Elapsed.TotalSeconds,6:F2} "
                + $"{rows / wall.Elapsed.TotalSeconds,12:N0} {rows / cpu,12:N0} {latencies[latencies.Count / 2],7:F1} {latencies[(int)(latencies.Count * 0.99)],7:F1} {(stored == (warmUp + latencies.Count) * (long)size ? "ok" : $"{stored:N0}!"),8}");
        }
        Console.WriteLine("check: ok when a query read back from the ingest exactly the rows written (the timed ones and the warm-up second's)");
        return 0;
    }

    // Each writer appends the same batch again and again until the time is up; returns each write's latency (ms).
    private static async Task<List<double>> RunWritersAsync(IngestWriter writer, RecordBatch batch, int writers, TimeSpan duration)
    {
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var perWriter = await Task.WhenAll(Enumerable.Range(0, writers).Select(async _ =>
        {
            var latencies = new List<double>();
            while (Stopwatch.GetTimestamp() < until)
            {
                var start = Stopwatch.GetTimestamp();
                await writer.WriteAsync(batch);
                latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
            return latencies;
        }));
        return perWriter.SelectMany(l => l).ToList();
    }

    private static async Task<long> CountAsync(StreamSession session, string name)
    {
        var table = name + "_count";
        var query = await session.ReadStream.Format("ingest").Load(name).GroupBy().Count()
            .WriteStream.OutputMode(OutputMode.Complete).Format("memory").QueryName(table).Trigger(Trigger.AvailableNow()).StartAsync();
        await query.AwaitTerminationAsync();
        return (long)(await session.Table(table).CollectAsync())[0]["count"]!;
    }

    private static RecordBatch Batch(int size)
    {
        var rows = new List<object?[]>(size);
        var ts = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < size; i++) rows.Add([(long)i, $"user{i % 1000}", i * 0.5, ts.AddMilliseconds(i)]);
        return ArrowValues.FromRows(DataTypes.ParseSchema(Schema), rows);
    }

    private static string? Value(string[] args, string name)
    {
        var i = System.Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static long Option(string[] args, string name, long fallback) =>
        Value(args, name) is { } v ? long.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
