using System.Diagnostics;
using OrleansStream.Client.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace OrleansStream.Client.Tests.Recovery;

/// <summary>
/// The main job reading Redis streams (<c>job --redis</c>) into a JSON file sink while a writer keeps adding entries: its
/// process is killed (SIGKILL) inside an epoch several times, after the epoch's write-ahead record and part files and before
/// its commit (half of the kills after the file-sink log entry too); after the last restart drains the streams, every entry
/// is in the output exactly once.
/// </summary>
public sealed class RedisStreamsKillTests(ITestOutputHelper output)
{
    private const int Kills = 4;
    private static readonly string[] Streams = ["demo:a", "demo:b"];

    [Fact]
    public async Task KillsMidEpochWhileEntriesArrive_RestartsDeliverEveryEntryExactlyOnce()
    {
        using var dir = new TempDirectory();
        await using var server = await RedisServer.StartAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var written = new List<string>();
        using var stopWriting = new CancellationTokenSource();
        // The streams exist before the job starts (it refuses a stream that does not); then entries keep arriving.
        foreach (var stream in Streams) written.Add($"{stream} {await AddAsync(redis, stream, written.Count)}");
        var writer = Task.Run(async () =>
        {
            while (!stopWriting.IsCancellationRequested)
            {
                var stream = Streams[written.Count % Streams.Length];
                var id = await AddAsync(redis, stream, written.Count);
                lock (written) written.Add($"{stream} {id}");
                try { await Task.Delay(5, stopWriting.Token); } catch (OperationCanceledException) { }
            }
        });

        var outDir = Path.Combine(dir.Path, "demo", "out");
        var marker = Path.Combine(dir.Path, "hanging");
        string[] job = ["job", "--redis", server.ConnectionString, "--streams", string.Join(",", Streams), "--data", dir.Path, "--no-generate",
            "--sink", "json", "--interval", "0 seconds", "--max-entries-per-trigger", "50"];
        long batch = 1;
        for (var kill = 0; kill < Kills; kill++, batch += 3)
        {
            File.Delete(marker);
            var afterSinkLog = kill % 2 == 1;
            using var process = StartJob([.. job, "--epochs", "1000000"], HangEpochs.SiloEnvironment(batch, marker, afterSinkLog));
            await ProcessKillTests.WaitForFileAsync(marker, process, TimeSpan.FromSeconds(120));
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Contains(Directory.GetFiles(outDir), f => Path.GetFileName(f).StartsWith($"part-{batch:D5}", StringComparison.Ordinal));
            Assert.Equal(afterSinkLog, File.Exists(Path.Combine(outDir, "_spark_metadata", batch.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            int count;
            lock (written) count = written.Count;
            Log($"[redis-kill] kill {kill + 1}: SIGKILL in batch {batch} ({(afterSinkLog ? "after" : "before")} its file-sink log entry, before its commit); {count} entries written so far");
        }
        await stopWriting.CancelAsync();
        await writer;

        using (var last = StartJob([.. job, "--until-idle"], []))
        {
            Assert.True(last.WaitForExit(TimeSpan.FromSeconds(120)), "the resumed job did not finish");
            Assert.Equal(0, last.ExitCode);
        }
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = Path.Combine(dir.Path, "reader") });
        var delivered = (await session.Read.Schema("stream STRING, id STRING").Json(outDir).CollectAsync()).Select(r => $"{r["stream"]} {r["id"]}").ToList();
        var duplicates = delivered.GroupBy(e => e).Count(g => g.Count() > 1);
        var lost = written.Except(delivered).Count();
        Log($"[redis-kill] {Kills} kills; {written.Count} entries written, {delivered.Count} rows delivered, {lost} lost, {duplicates} duplicated");
        Assert.Equal(written.Order(StringComparer.Ordinal), delivered.Order(StringComparer.Ordinal));
    }

    // The job's events (action "buy", so that its filter keeps them), one field set per entry; the entry's id comes back.
    private static async Task<string> AddAsync(ConnectionMultiplexer redis, string stream, int n) =>
        (await redis.GetDatabase().StreamAddAsync(stream, [new("user", $"u{n}"), new("action", "buy"), new("amount", "1.5"), new("ts", "2026-01-01T00:00:00Z")]))!;

    // Epoch tables are long: the progress lines tell what each run did.
    private Process StartJob(string[] args, Dictionary<string, string> environment) => ProcessKillTests.StartJob(args, environment, output,
        line => line.StartsWith("progress:", StringComparison.Ordinal) || line.StartsWith("Query", StringComparison.Ordinal));

    private void Log(string line) => ProcessKillTests.Log(output, line);
}
