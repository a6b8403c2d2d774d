using System.Diagnostics;
using System.Globalization;
using OrleansStream.Client.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansStream.Client.Tests.Recovery;

/// <summary>
/// The main job with durable ingest (<c>job --ingest</c>): its generator writes events through <c>session.Ingest</c> while
/// its query reads them back with <c>Format("ingest")</c> into a JSON file sink. The process is killed (SIGKILL) inside
/// epochs, after the part files and before the commit (half of the kills after the file-sink log entry too), and also at
/// arbitrary points while appends are in flight. After the last restart drains the ingest, every row of every acknowledged
/// write is in the output exactly once, and no row at all appears twice (an unacknowledged write may or may not have landed,
/// but whole: an append is atomic).
/// </summary>
public sealed class IngestKillTests(ITestOutputHelper output)
{
    private const int EpochKills = 4;
    private const int InFlightKills = 2;
    private const string Acknowledged = "ingest: acknowledged ";

    // The job writes five events per write, "<run>-<write>-<i>", with actions view, click, buy, view, click: the query
    // drops views, so three rows of each write reach the sink.
    private static readonly int[] KeptEvents = [1, 2, 4];

    private readonly List<string> _acknowledged = [];

    [Fact]
    public async Task KillsMidEpochAndMidWrite_EveryAcknowledgedWriteIsDeliveredExactlyOnce()
    {
        using var dir = new TempDirectory();
        var outDir = Path.Combine(dir.Path, "demo", "out");
        var marker = Path.Combine(dir.Path, "hanging");
        string[] job = ["job", "--ingest", "--data", dir.Path, "--sink", "json", "--interval", "0 seconds"];

        long batch = 1;
        for (var kill = 0; kill < EpochKills; kill++, batch += 3)
        {
            File.Delete(marker);
            var afterSinkLog = kill % 2 == 1;
            using var process = StartJob([.. job, "--epochs", "1000000"], HangEpochs.SiloEnvironment(batch, marker, afterSinkLog));
            await ProcessKillTests.WaitForFileAsync(marker, process, TimeSpan.FromSeconds(120));
            // The query hangs in its epoch, the writers keep appending: the kill lands while appends are in flight too.
            await Task.Delay(300);
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Contains(Directory.GetFiles(outDir), f => Path.GetFileName(f).StartsWith($"part-{batch:D5}", StringComparison.Ordinal));
            Assert.Equal(afterSinkLog, File.Exists(Path.Combine(outDir, "_spark_metadata", batch.ToString(CultureInfo.InvariantCulture))));
            Log($"[ingest-kill] kill {kill + 1}: SIGKILL in batch {batch} ({(afterSinkLog ? "after" : "before")} its file-sink log entry, before its commit); {AcknowledgedCount()} writes acknowledged so far");
        }
        for (var kill = 0; kill < InFlightKills; kill++)
        {
            // No hang: killed at whatever point of its epochs and appends the process is once it has acknowledged 20 more writes.
            var target = AcknowledgedCount() + 20;
            using var process = StartJob([.. job, "--epochs", "1000000"], []);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
            while (AcknowledgedCount() < target)
            {
                if (process.HasExited) throw new InvalidOperationException($"The job exited with code {process.ExitCode}.");
                if (DateTime.UtcNow > deadline) throw new TimeoutException("The job did not acknowledge 20 writes in 120 s.");
                await Task.Delay(10);
            }
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Log($"[ingest-kill] kill {EpochKills + kill + 1}: SIGKILL while writing, at whatever point of its epoch; {AcknowledgedCount()} writes acknowledged so far");
        }

        using (var last = StartJob([.. job, "--no-generate", "--until-idle"], []))
        {
            Assert.True(last.WaitForExit(TimeSpan.FromSeconds(120)), "the resumed job did not finish");
            Assert.Equal(0, last.ExitCode);
        }
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = Path.Combine(dir.Path, "reader") });
        var delivered = (await session.Read.Schema("user STRING").Json(outDir).CollectAsync()).Select(r => (string)r["user"]!).ToList();
        var expected = _acknowledged.SelectMany(w => KeptEvents.Select(i => $"{w}-{i}")).ToList();
        var duplicated = delivered.GroupBy(u => u).Count(g => g.Count() > 1);
        var lost = expected.Except(delivered).Count();
        var unacknowledged = delivered.Except(expected).ToList();
        Log($"[ingest-kill] {EpochKills + InFlightKills} kills; {_acknowledged.Count} writes acknowledged ({expected.Count} rows past the filter), " +
            $"{delivered.Count} rows delivered, {lost} lost, {duplicated} duplicated, {unacknowledged.Count} from writes stored but not acknowledged before a kill");
        Assert.Equal(0, duplicated);
        Assert.Equal(0, lost);
        // A write the kill left unacknowledged is stored whole or not at all.
        Assert.All(unacknowledged.GroupBy(u => u[..u.LastIndexOf('-')]), g => Assert.Equal(KeptEvents.Length, g.Count()));
        Assert.True(expected.Count > 100, $"only {expected.Count} rows were acknowledged: the test wrote too little to tell");
    }

    private int AcknowledgedCount()
    {
        lock (_acknowledged) return _acknowledged.Count;
    }

    // Epoch tables are long: the progress lines tell what each run did; the acknowledged writes are collected.
    private Process StartJob(string[] args, Dictionary<string, string> environment) => ProcessKillTests.StartJob(args, environment, output, line =>
    {
        if (!line.StartsWith(Acknowledged, StringComparison.Ordinal))
            return line.StartsWith("progress:", StringComparison.Ordinal) || line.StartsWith("Query", StringComparison.Ordinal);
        lock (_acknowledged) _acknowledged.Add(line[Acknowledged.Length..]);
        return false;
    });

    private void Log(string line) => ProcessKillTests.Log(output, line);
}
