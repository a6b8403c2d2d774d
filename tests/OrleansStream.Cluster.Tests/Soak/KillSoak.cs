using System.Diagnostics;
using System.Globalization;
using OrleansStream.Client;
using OrleansStream.Cluster.Tests.Infrastructure;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Cluster.Tests.Soak;

/// <summary>
/// Randomised kill -9 soaks with an exactly-once oracle: a windowed count and sum over a folder of JSON files into a JSON
/// file sink, while processes die at random moments. <see cref="ProcessAsync"/> kills the main job's process (embedded
/// silo, file-system checkpoints) and runs it again; <see cref="ClusterAsync"/> kills random silos (sometimes two at once)
/// of a three-silo cluster on Redis and Azurite while files keep arriving, and starts a replacement for each.
/// </summary>
internal sealed class KillSoak(string siloAssembly, int seed, Action<string> report)
{
    private readonly Random _random = new(seed);

    /// <summary>Kills the job process <paramref name="kills"/> times at random moments, then lets it finish.</summary>
    public async Task<SoakResult> ProcessAsync(int kills, string root)
    {
        var data = Path.Combine(root, "job");
        var input = Path.Combine(data, "demo", "in");
        Directory.CreateDirectory(input);
        string[] job = ["job", "--windowed", "--data", data, "--no-generate", "--until-idle", "--sink", "json", "--max-files-per-trigger", "1", "--interval", "0 seconds"];
        var files = 0;
        var killed = 0;
        var runs = 0;
        while (killed < kills)
        {
            for (var n = _random.Next(2, 7); n > 0; n--) SoakInput.Write(input, files++);
            await using var process = JobProcess.Start(siloAssembly, job);
            runs++;
            if (await process.WaitForExitAsync(TimeSpan.FromMilliseconds(_random.Next(150, 2000))))
            {
                if (process.ExitCode != 0) throw new InvalidOperationException($"The job failed with exit code {process.ExitCode} after {killed} kills:\n{process.Log}");
                continue;
            }
            process.Kill();
            killed++;
        }
        SoakInput.Write(input, files++);
        await using (var last = JobProcess.Start(siloAssembly, job))
        {
            if (!await last.WaitForExitAsync(TimeSpan.FromSeconds(120))) throw new TimeoutException($"The job did not finish after the last kill:\n{last.Log}");
            if (last.ExitCode != 0) throw new InvalidOperationException($"The job failed with exit code {last.ExitCode} after the last kill:\n{last.Log}");
        }
        report($"process soak: {killed} kills over {runs + 1} runs of the job, {files} files");
        return new SoakResult(killed, SoakInput.ExpectedWindows(files), await ReadWindowsAsync(Path.Combine(data, "demo", "out"), root), [], 0);
    }

    /// <summary>
    /// Runs the query on three silos while a file arrives every 200 ms, kills a random silo (or two) <paramref name="kills"/>
    /// times, starting a replacement each time, and measures how long the query takes after each kill to commit the epochs
    /// that were in flight (the committed batch id three above the one committed at the kill).
    /// </summary>
    public async Task<SoakResult> ClusterAsync(int kills, string root, RedisServer redis)
    {
        var data = Path.Combine(root, "cluster");
        var input = Path.Combine(data, "in");
        var output = Path.Combine(data, "out");
        Directory.CreateDirectory(input);
        var clusterId = "soak" + Guid.NewGuid().ToString("N")[..8];
        var container = "soak" + Guid.NewGuid().ToString("N")[..12];
        var next = 0;
        var started = new List<SiloProcess>();
        SiloProcess NewSilo()
        {
            var silo = StartSilo($"S{Interlocked.Increment(ref next) - 1}", clusterId, redis, container, data);
            lock (started) started.Add(silo);
            return silo;
        }
        var silos = new List<SiloProcess>();
        var files = 0;
        var recoveries = new List<double>();
        var failures = 0;
        try
        {
            silos.AddRange(await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SiloProcess.StartHealthyAsync(NewSilo, TimeSpan.FromSeconds(90)))));
            await using var session = await StreamSession.ConnectAsync(new StreamSessionOptions { Clustering = "Redis", RedisConnectionString = redis.ConnectionString, ClusterId = clusterId });
            SoakInput.Write(input, files++);
            var query = await StartQueryAsync(session, input, output);
            using var feeding = new CancellationTokenSource();
            var feeder = Task.Run(async () =>
            {
                while (!feeding.IsCancellationRequested)
                {
                    SoakInput.Write(input, Interlocked.Increment(ref files) - 1);
                    try { await Task.Delay(200, feeding.Token); } catch (OperationCanceledException) { }
                }
            });
            for (var k = 0; k < kills; k++)
            {
                await Task.Delay(_random.Next(1000, 3000));
                var before = await CommittedAsync(query);
                var victims = silos.OrderBy(_ => _random.Next()).Take(_random.Next(100) < 20 ? 2 : 1).ToList();
                var watch = Stopwatch.StartNew();
                foreach (var victim in victims)
                {
                    victim.Kill();
                    silos.Remove(victim);
                    silos.Add(NewSilo());
                }
                var (recovered, failed) = await WaitForCommitAfterAsync(query, before, TimeSpan.FromSeconds(240));
                if (failed)
                {
                    failures++;
                    report($"kill {k + 1}: the query failed: {query.Exception?.Message}; starting it again");
                    ReportLogs(started);
                    query = await StartQueryAsync(session, input, output);
                }
                recoveries.Add(recovered.TotalSeconds);
                report($"kill {k + 1}: {string.Join(" and ", victims.Select(v => v.Name))} at batch {before}; in-flight epochs committed {recovered.TotalSeconds:F1} s later");
            }
            await feeding.CancelAsync();
            await feeder;
            // A replacement that could not start (a port taken meanwhile) is not part of the cluster: the live ones finish the query.
            await Task.WhenAll(silos.Where(s => !s.HasExited).Select(s => s.WaitHealthyAsync(TimeSpan.FromSeconds(90))));
            await query.ProcessAllAvailableAsync();
            await query.StopAsync();
        }
        catch
        {
            ReportLogs(started);
            throw;
        }
        finally
        {
            foreach (var silo in started) await silo.DisposeAsync();
        }
        report($"cluster soak: {kills} kill rounds, {files} files");
        return new SoakResult(kills, SoakInput.ExpectedWindows(files), await ReadWindowsAsync(output, root), recoveries, failures);
    }

    private void ReportLogs(IEnumerable<SiloProcess> silos)
    {
        foreach (var silo in silos) report($"--- {silo.Name} ---\n{string.Join('\n', silo.Log.Split('\n').TakeLast(40))}");
    }

    private static async Task<long> CommittedAsync(StreamingQuery query)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return (await query.GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(2))).LastCommittedBatchId;
            }
            catch (Exception) when (attempt < 100)
            {
                await Task.Delay(200);
            }
        }
    }

    private static async Task<(TimeSpan Elapsed, bool Failed)> WaitForCommitAfterAsync(StreamingQuery query, long before, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (!query.IsActive) return (watch.Elapsed, true);
            try
            {
                // Up to two epochs run uncommitted while a third runs: once that third has committed, what the kill
                // interrupted has been run again (or needed nothing of the dead silo).
                // A call to a silo that just died can hang until the client's response timeout: ask with a short one.
                if ((await query.GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(1))).LastCommittedBatchId >= before + 3) return (watch.Elapsed, false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The coordinating silo died: status calls fail until its trigger is activated elsewhere.
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"No epoch committed within {timeout} after the kill (last committed {before}).");
    }

    private static Task<StreamingQuery> StartQueryAsync(StreamSession session, string input, string output) =>
        session.ReadStream.Format("json").Schema("user STRING, action STRING, amount DOUBLE, ts TIMESTAMP").Option("maxFilesPerTrigger", "1").Load(input)
            .Where(Col("action") != "view")
            .WithColumn("amount_cents", (Col("amount") * 100).Cast("long"))
            .WithWatermark("ts", "5 seconds")
            .GroupBy(Window(Col("ts"), "10 seconds"), Col("user"))
            .Agg(Count().As("events"), Sum("amount_cents").As("cents"))
            .WriteStream.OutputMode(OutputMode.Append).Format("json")
            .Option("checkpointLocation", "soak").Option("numStatePartitions", "6")
            .StartAsync(output);

    private SiloProcess StartSilo(string name, string clusterId, RedisServer redis, string container, string data) =>
        SiloProcess.Start(name, siloAssembly, DeploymentEnvironment.LoopbackSilo(clusterId, redis.ConnectionString, container, data));

    private static async Task<List<string>> ReadWindowsAsync(string folder, string root)
    {
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = Path.Combine(root, "reader-" + Guid.NewGuid().ToString("N")[..6]) });
        var rows = await session.Read.Schema("window STRUCT<start: TIMESTAMP, end: TIMESTAMP>, user STRING, events BIGINT, cents BIGINT").Json(folder).CollectAsync();
        return rows.Select(r => SoakInput.Row(r.Get<Row>("window").Get<DateTime>(0), (string)r["user"]!, (long)r["events"]!, (long)r["cents"]!))
            .Order(StringComparer.Ordinal).ToList();
    }
}

/// <summary>What a soak saw: kills, the oracle's rows against the sink's, and the recovery time after each kill.</summary>
internal sealed record SoakResult(int Kills, List<string> Expected, List<string> Actual, List<double> RecoverySeconds, int QueryFailures)
{
    /// <summary>Expected rows missing from the output (a window emitted with a wrong count shows here and in <see cref="Unexpected"/>).</summary>
    public List<string> Lost => Minus(Expected, Actual);

    /// <summary>Output rows the oracle does not have (duplicates, or windows with wrong aggregates).</summary>
    public List<string> Unexpected => Minus(Actual, Expected);

    public string Summary
    {
        get
        {
            var sorted = RecoverySeconds.Order().ToList();
            string At(double q) => sorted.Count == 0 ? "-" : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)].ToString("F1", CultureInfo.InvariantCulture);
            return $"kills {Kills}, windows expected {Expected.Count}, emitted {Actual.Count}, lost {Lost.Count}, duplicated or wrong {Unexpected.Count}, "
                + $"query failures {QueryFailures}" + (sorted.Count == 0 ? "" : $", recovery s p50 {At(0.5)} p99 {At(0.99)} max {At(1)}");
        }
    }

    private static List<string> Minus(List<string> a, List<string> b)
    {
        var left = b.GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        var result = new List<string>();
        foreach (var x in a)
            if (left.TryGetValue(x, out var n) && n > 0) left[x] = n - 1;
            else result.Add(x);
        return result;
    }
}
