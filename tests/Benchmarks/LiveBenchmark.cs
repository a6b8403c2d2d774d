using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OrleansStream.Client;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Benchmarks;

/// <summary>
/// Live results and live state (issue 21 item 8), on an embedded silo in this process plus a client connected to its
/// gateway over loopback TCP:
/// - end-to-end latency from AddData to a subscriber, per row: rows carry their send time (Stopwatch ticks), a stateless
///   query writes them to the subscription sink with the default trigger, and the subscriber measures when each arrives;
///   at each rate for a fixed time, p50/p99 over every row;
/// - lookup latency under concurrent input: a count per key over 10,000 keys fed at 10,000 events/s, while one caller looks
///   up random keys back to back, from inside the silo (the embedded session) and from the loopback client; p50/p99 per lookup.
/// </summary>
internal static class LiveBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = (int)Option(args, "--seconds", 20);
        var rates = (args.SkipWhile(a => a != "--rates").Skip(1).FirstOrDefault() ?? "1000,100000").Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToList();
        var data = Path.Combine(Path.GetTempPath(), "os-live-" + Guid.NewGuid().ToString("N")[..8]);
        var gateway = FreePort();
        await using var silo = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = data, SiloPort = FreePort(), GatewayPort = gateway, ClusterId = "live-bench" });
        await using var client = await StreamSession.ConnectAsync(new StreamSessionOptions { GatewayPort = gateway, ClusterId = "live-bench" });
        Console.WriteLine($"{"measure",-52} {"samples",10} {"p50 ms",8} {"p99 ms",8} {"max ms",8}");
        foreach (var rate in rates) Print($"end-to-end AddData -> subscriber, {rate:N0} ev/s", await EndToEndAsync(silo, rate, seconds));
        var (inSilo, loopback) = await LookupsAsync(silo, client, seconds);
        Print("lookup in silo, 10,000 ev/s ingest", inSilo);
        Print("lookup from client over loopback, 10,000 ev/s ingest", loopback);
        try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        return 0;
    }

    private static async Task<List<double>> EndToEndAsync(StreamSession session, int rate, int seconds)
    {
        var input = session.CreateMemoryStream<long>();
        var query = await input.ToDF().Select(Col("value").As("sent")).WriteStream.Format("subscription").StartAsync();
        await using var subscription = await query.SubscribeAsync(new SubscriptionOptions { BufferEpochs = 100_000 });
        var latencies = new List<double>();
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var change in subscription.WithCancellation(stop.Token))
                {
                    var now = Stopwatch.GetTimestamp();
                    foreach (var batch in change.Batches)
                    {
                        var sent = (Apache.Arrow.Int64Array)batch.Column(0);
                        for (var r = 0; r < sent.Length; r++) latencies.Add(Stopwatch.GetElapsedTime(sent.GetValue(r)!.Value, now).TotalMilliseconds);
                    }
                }
            }
            catch (OperationCanceledException) { }
        });
        // Rows go in every 10 ms (rate / 100 each), each stamped when it is sent.
        var perTick = Math.Max(1, rate / 100);
        var watch = Stopwatch.StartNew();
        var sentRows = 0L;
        while (watch.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            var due = (long)(watch.Elapsed.TotalSeconds * rate);
            if (due - sentRows >= perTick)
            {
                var now = Stopwatch.GetTimestamp();
                var rows = new long[perTick];
                System.Array.Fill(rows, now);
                await input.AddDataAsync(rows);
                sentRows += perTick;
            }
            else
            {
                await Task.Delay(1);
            }
        }
        await query.ProcessAllAvailableAsync();
        await Task.Delay(500);
        await stop.CancelAsync();
        await reader;
        await query.StopAsync();
        Console.WriteLine($"  {rate:N0} ev/s: sent {sentRows:N0} rows in {watch.Elapsed.TotalSeconds:F1} s, {query.RecentProgress.Count} epochs reported, received {latencies.Count:N0}");
        return latencies;
    }

    private static async Task<(List<double> InSilo, List<double> Loopback)> LookupsAsync(StreamSession silo, StreamSession client, int seconds) =>
        (await LookupsAsync(silo, "live_bench_lookups_silo", seconds / 2), await LookupsAsync(client, "live_bench_lookups_client", seconds / 2));

    // The session that started the query feeds it and looks keys up: the embedded one inside the silo, the connected one over loopback.
    private static async Task<List<double>> LookupsAsync(StreamSession session, string name, int seconds)
    {
        const int keys = 10_000, rate = 10_000;
        var input = session.CreateMemoryStream<long>();
        var query = await input.ToDF().GroupBy("value").Count().WriteStream.Format("subscription").OutputMode(OutputMode.Update).QueryName(name).StartAsync();
        await input.AddDataAsync(Enumerable.Range(0, keys).Select(k => (long)k).ToArray());
        await query.ProcessAllAvailableAsync();
        using var stop = new CancellationTokenSource();
        var feeder = Task.Run(async () =>
        {
            var random = new Random(1);
            while (!stop.IsCancellationRequested)
            {
                await input.AddDataAsync(Enumerable.Range(0, rate / 100).Select(_ => (long)random.Next(keys)).ToArray());
                await Task.Delay(10);
            }
        });
        var latencies = await TimeLookupsAsync(query, keys, seconds);
        await stop.CancelAsync();
        await feeder;
        Console.WriteLine($"  {name}: {query.LastProgress?.BatchId + 1} epochs during the lookups");
        await query.StopAsync();
        return latencies;
    }

    private static async Task<List<double>> TimeLookupsAsync(StreamingQuery query, int keys, int seconds)
    {
        var random = new Random(2);
        var latencies = new List<double>();
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            var key = (long)random.Next(keys);
            var started = Stopwatch.GetTimestamp();
            var row = await query.LookupAsync(key);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (row is null) throw new InvalidOperationException($"Key {key} was fed but the lookup found nothing.");
        }
        return latencies;
    }

    private static void Print(string name, List<double> samples)
    {
        samples.Sort();
        double P(double q) => samples.Count == 0 ? double.NaN : samples[Math.Min(samples.Count - 1, (int)(q * samples.Count))];
        Console.WriteLine($"{name,-52} {samples.Count,10:N0} {P(0.50),8:F2} {P(0.99),8:F2} {(samples.Count == 0 ? double.NaN : samples[^1]),8:F2}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static long Option(string[] args, string name, long fallback)
    {
        var i = System.Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? long.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
