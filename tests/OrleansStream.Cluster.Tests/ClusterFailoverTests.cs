using System.Diagnostics;
using System.Globalization;
using OrleansStream.Client;
using OrleansStream.Cluster.Tests.Infrastructure;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Cluster.Tests;

/// <summary>
/// A real cluster on loopback: three published silo processes with Redis membership and Azurite checkpoints, configured
/// with the environment of infra/docker-compose.yml. A windowed count over a replayable folder of JSON files must produce
/// exactly what the same query produces undisturbed on one embedded silo, after a silo is killed (-9) in the middle of an
/// epoch and after the whole cluster is killed and started again.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterFailoverTests(PublishedSilo published, ITestOutputHelper output)
{
    private const int FirstFiles = 12;
    private const int LaterFiles = 2;
    private const int EventsPerFile = 100;
    private const int Users = 5;

    [Fact]
    public void ComposeAndKubernetes_SetTheSameSiloEnvironment()
    {
        var compose = DeploymentEnvironment.Compose().Keys.ToHashSet();
        var kubernetes = DeploymentEnvironment.KubernetesNames();
        Assert.Contains("OrleansStream__Cluster__Clustering", compose);
        Assert.Equal(compose.Order(), kubernetes.Where(n => n != "OrleansStream__Cluster__Kubernetes").Order());
    }

    [Fact]
    public async Task KilledSiloMidEpoch_AndWholeClusterRestart_GiveTheUndisturbedOutput()
    {
        var root = Repository.NewTempFolder("os-cluster");
        var data = Path.Combine(root, "data");
        var input = Path.Combine(data, "in");
        var outDir = Path.Combine(data, "out");
        Directory.CreateDirectory(input);
        for (var f = 0; f < FirstFiles; f++) WriteFile(input, f);
        var container = "cluster" + Guid.NewGuid().ToString("N")[..12];
        await using var redis = await RedisServer.StartAsync();

        // Cluster A: three silos.
        var clusterA = "a" + Guid.NewGuid().ToString("N")[..8];
        var silos = Enumerable.Range(0, 3).Select(i => StartSilo($"A{i}", clusterA, redis, container, data, root)).ToList();
        try
        {
            await Task.WhenAll(silos.Select(s => s.WaitHealthyAsync(TimeSpan.FromSeconds(90))));
            var session = await ConnectAsync(redis, clusterA);
            var query = await StartQueryAsync(session, input, outDir);
            await WaitAsync(() => query.LastProgress?.BatchId >= 3, TimeSpan.FromSeconds(90), "three committed epochs");

            // Pause every partition at the start of its next epoch, and kill a silo that holds one but not the trigger. The next
            // epoch may take a while to start when the other test projects load both cores (one CI run timed out at 30 s).
            var triggerSilo = (await query.GetStatusAsync()).Silo!;
            var candidates = silos.Where(s => !triggerSilo.EndsWith(":" + s.SiloPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)).ToList();
            File.WriteAllText(Path.Combine(root, "pause"), "");
            // The hook catches a partition finishing an epoch: one more file makes sure an epoch comes, even when the query
            // had taken all the first files by now (one full CI run waited 90 s for a pause that never came).
            WriteFile(input, FirstFiles);
            var victim = await WaitForPausedAsync(candidates, root, TimeSpan.FromSeconds(90));
            var inFlight = query.LastProgress!.BatchId + 1;
            var killedAt = Stopwatch.StartNew();
            victim.Kill();
            File.Delete(Path.Combine(root, "pause"));
            await WaitAsync(() => query.LastProgress?.BatchId >= inFlight || !query.IsActive, TimeSpan.FromSeconds(120), $"batch {inFlight} after the kill");
            Assert.True(query.IsActive, $"the query stopped: {query.Exception}");
            var recovery = killedAt.Elapsed;
            Report($"killed silo {victim.Name} (gateway {victim.GatewayPort}) while batch {inFlight} was in flight; "
                + $"batch {inFlight} committed {recovery.TotalSeconds:F1} s later on the remaining silos");

            await query.ProcessAllAvailableAsync();
            var beforeRestart = query.LastProgress!.BatchId;
            // More input, then the whole cluster dies without stopping the query.
            for (var f = FirstFiles + 1; f < FirstFiles + LaterFiles; f++) WriteFile(input, f);
            foreach (var silo in silos) silo.Kill();
            await DisposeQuietlyAsync(session);
            Report($"killed the whole cluster after batch {beforeRestart}");

            // Cluster B: three new silos, same Redis and Azurite; the query resumes from its checkpoint.
            var clusterB = "b" + Guid.NewGuid().ToString("N")[..8];
            silos = Enumerable.Range(0, 3).Select(i => StartSilo($"B{i}", clusterB, redis, container, data, root)).ToList();
            await Task.WhenAll(silos.Select(s => s.WaitHealthyAsync(TimeSpan.FromSeconds(90))));
            var restarted = Stopwatch.StartNew();
            session = await ConnectAsync(redis, clusterB);
            query = await StartQueryAsync(session, input, outDir);
            await query.ProcessAllAvailableAsync();
            Report($"cluster restarted: the query resumed after batch {beforeRestart} and caught up to batch {query.LastProgress?.BatchId} in {restarted.Elapsed.TotalSeconds:F1} s");
            // Cluster A may have committed the later files before its last silo died: then the resumed run has nothing
            // due and reports no progress (as Spark's processAllAvailable on a caught-up query). Whatever it ran follows A's batches.
            Assert.All(query.RecentProgress, p => Assert.True(p.BatchId >= beforeRestart, $"the restarted query ran batch {p.BatchId} again (A had committed {beforeRestart})"));
            await query.StopAsync();
            await DisposeQuietlyAsync(session);

            var clusterRows = await ReadOutputAsync(outDir, root);
            var undisturbed = await UndisturbedOutputAsync(root);
            Report($"rows: cluster {clusterRows.Count}, undisturbed single silo {undisturbed.Count}");
            Assert.Equal(undisturbed, clusterRows);
            // Windows [0,10) .. [120,130) are final (the last event is at 139.9 s, the watermark 134.9 s): 20 events per user each.
            Assert.Equal(13 * Users, clusterRows.Count);
            Assert.All(clusterRows, r => Assert.EndsWith(" 20", r, StringComparison.Ordinal));
        }
        catch
        {
            foreach (var silo in silos) output.WriteLine($"--- {silo.Name} ---\n{string.Join('\n', silo.Log.Split('\n').TakeLast(60))}");
            throw;
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task MisconfiguredSilo_ExitsNamingTheVariable_WithoutTheSecret()
    {
        var env = DeploymentEnvironment.ForLoopback(new Dictionary<string, string>
        {
            ["OrleansStream__Cluster__RedisConnectionString"] = "",
            ["OrleansStream__Checkpoints__AzureBlob__ConnectionString"] = "AccountName=x;AccountKey=c2VjcmV0LXNlY3JldA==;BlobEndpoint=http://127.0.0.1:1/x;",
            ["OrleansStream__Cluster__SiloPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
            ["OrleansStream__Cluster__GatewayPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
            ["OrleansStream__Cluster__ListenAddress"] = "127.0.0.1",
        }, "OrleansStream__Cluster__AdvertisedAddress");
        await using var silo = SiloProcess.Start("bad", published.Assembly, env);
        Assert.True(silo.WaitForExit(TimeSpan.FromSeconds(60)), "the misconfigured silo kept running");
        Assert.Equal(2, silo.ExitCode);
        Assert.Contains("OrleansStream__Cluster__RedisConnectionString", silo.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0LXNlY3JldA==", silo.Log, StringComparison.Ordinal);
    }

    private SiloProcess StartSilo(string name, string clusterId, RedisServer redis, string container, string data, string root)
    {
        var env = DeploymentEnvironment.LoopbackSilo(clusterId, redis.ConnectionString, container, data);
        // Fault injection, loaded as a test hook: partitions wait while the pause file exists, after marking their silo.
        foreach (var (key, value) in PausePartitions.SiloEnvironment(Path.Combine(root, "pause"), Path.Combine(root, "paused-" + name))) env[key] = value;
        return SiloProcess.Start(name, published.Assembly, env);
    }

    private static async Task<StreamSession> ConnectAsync(RedisServer redis, string clusterId) =>
        await StreamSession.ConnectAsync(new StreamSessionOptions { Clustering = "Redis", RedisConnectionString = redis.ConnectionString, ClusterId = clusterId });

    private static async Task<StreamingQuery> StartQueryAsync(StreamSession session, string input, string output) =>
        await Query(session.ReadStream.Format("json").Schema("user STRING, ts TIMESTAMP").Option("maxFilesPerTrigger", "1").Load(input))
            .WriteStream.OutputMode(OutputMode.Append).Format("json")
            .Option("checkpointLocation", "cluster-query").Option("numStatePartitions", "12")
            .StartAsync(output);

    private static DataFrame Query(DataFrame events) => events
        .WithWatermark("ts", "5 seconds")
        .GroupBy(Window(Col("ts"), "10 seconds"), Col("user"))
        .Agg(Count().As("n"));

    // File f holds the events of [f*10 s, f*10 s + 10 s), one every 100 ms, users u0..u4 in turn.
    private static void WriteFile(string folder, int f)
    {
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(f * 10);
        var lines = Enumerable.Range(0, EventsPerFile).Select(i =>
            $"{{\"user\":\"u{i % Users}\",\"ts\":\"{start.AddMilliseconds(i * 100):yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\"}}");
        var path = Path.Combine(folder, $"events-{f:D4}.json");
        File.WriteAllText(path + ".tmp", string.Join('\n', lines) + "\n");
        File.Move(path + ".tmp", path);
    }

    private static async Task<SiloProcess> WaitForPausedAsync(IReadOnlyList<SiloProcess> candidates, string root, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (candidates.FirstOrDefault(s => File.Exists(Path.Combine(root, "paused-" + s.Name))) is { } paused) return paused;
            await Task.Delay(50);
        }
        throw new TimeoutException("No state partition paused on a silo without the trigger.");
    }

    private async Task<List<string>> UndisturbedOutputAsync(string root)
    {
        var data = Path.Combine(root, "single");
        var input = Path.Combine(data, "in");
        Directory.CreateDirectory(input);
        for (var f = 0; f < FirstFiles + LaterFiles; f++) WriteFile(input, f);
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = data });
        var query = await StartQueryAsync(session, input, Path.Combine(data, "out"));
        await query.ProcessAllAvailableAsync();
        await query.StopAsync();
        return await ReadOutputAsync(Path.Combine(data, "out"), root);
    }

    private static async Task<List<string>> ReadOutputAsync(string folder, string root)
    {
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = Path.Combine(root, "reader-" + Guid.NewGuid().ToString("N")[..6]) });
        var rows = await session.Read.Schema("window STRUCT<start: TIMESTAMP, end: TIMESTAMP>, user STRING, n BIGINT").Json(folder).CollectAsync();
        return rows.Select(r => $"{r.Get<Row>("window").Get<DateTime>(0):HH:mm:ss} {r["user"]} {r["n"]}").Order(StringComparer.Ordinal).ToList();
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Waited {timeout} for {what}.");
            await Task.Delay(100);
        }
    }

    private static async Task DisposeQuietlyAsync(StreamSession session)
    {
        var dispose = session.DisposeAsync().AsTask();
        await Task.WhenAny(dispose, Task.Delay(TimeSpan.FromSeconds(10)));
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        Console.Error.WriteLine("[cluster] " + line);
    }
}
