using System.Diagnostics;
using OrleansStream.Client.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansStream.Client.Tests.Recovery;

/// <summary>
/// Kills the process that hosts the silo for real, after the write-ahead record of an epoch and after its sink wrote
/// part files, before the file-sink log and the commit log; a restart must deliver every input row exactly once.
/// </summary>
public sealed class ProcessKillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KillBetweenWriteAheadAndCommit_RestartDeliversEveryRowExactlyOnce()
    {
        using var dir = new TempDirectory();
        var input = dir.Sub(Path.Combine("demo", "in"));
        var expected = new List<string>();
        for (var f = 0; f < 4; f++)
        {
            var lines = Enumerable.Range(0, 5).Select(i => $"{{\"user\":\"u{f}-{i}\",\"action\":\"{(i == 0 ? "view" : "buy")}\",\"amount\":{f}.{i},\"ts\":\"2026-01-01T00:00:0{i}Z\"}}").ToList();
            expected.AddRange(Enumerable.Range(1, 4).Select(i => $"u{f}-{i}"));
            TempDirectory.WriteFile(input, $"events-{f:D6}.json", string.Join('\n', lines) + "\n");
        }
        var outDir = await KillBeforeCommitAndRestartAsync(dir, batch: 1);

        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = Path.Combine(dir.Path, "reader") });
        var users = (await session.Read.Schema("user STRING, action STRING").Json(outDir).CollectAsync()).Select(r => (string)r["user"]!).ToList();
        Assert.Equal(expected.Order(), users.Order());
    }

    [Fact]
    public async Task KillAfterStateIsStagedBeforeCommit_NoCountIsAppliedTwiceAndNoWindowIsEmittedTwice()
    {
        using var dir = new TempDirectory();
        // Batch 2 is the first epoch that emits a window (file 0's, closed by file 1's watermark).
        WriteWindowedBuys(dir);
        var outDir = await KillBeforeCommitAndRestartAsync(dir, batch: 2, "--windowed");

        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = Path.Combine(dir.Path, "reader") });
        var rows = await session.Read.Schema("window STRUCT<start: TIMESTAMP, end: TIMESTAMP>, user STRING, events BIGINT").Json(outDir).CollectAsync();
        var windows = rows.Select(r => $"{r.Get<Row>("window").Get<DateTime>(0):mm:ss} {r["user"]} {r["events"]}").Order().ToList();
        Assert.Equal(["00:00 u0 2", "00:00 u1 2", "00:20 u0 2", "00:20 u1 2", "00:40 u0 2", "00:40 u1 2"], windows);
    }

    [Fact]
    public async Task KillInTheEpochThatPadsAnOuterJoinRow_RestartKeepsJoinStateAndEmitsEveryRowOnce()
    {
        using var dir = new TempDirectory();
        var input = dir.Sub(Path.Combine("demo", "in"));
        // File f (one per epoch): views of u0 and u1 at f*8+u seconds and their buys at f*8+2+u; a view of u2 at f*8+5,
        // never bought. A view matches its own file's buy and, 10 s later, the next file's: that one only through the
        // join state. The last file puts the watermark at min(29, 27) - 5 = 22 s, which the no-data batch 4 uses: u2's
        // view at 5 s (5 + 10 < 22) is then padded with nulls; its views at 13 s and later are not final yet.
        var expected = new List<string>();
        const int Files = 4;
        for (var f = 0; f < Files; f++)
        {
            var lines = new List<string>();
            for (var u = 0; u < 2; u++)
            {
                lines.Add(Event($"u{u}", "view", f * 8 + u));
                lines.Add(Event($"u{u}", "buy", f * 8 + 2 + u));
                for (var boughtIn = f; boughtIn <= Math.Min(f + 1, Files - 1); boughtIn++)
                    expected.Add($"u{u} {Time(f * 8 + u)} {Time(boughtIn * 8 + 2 + u)} 150");
            }
            lines.Add(Event("u2", "view", f * 8 + 5));
            TempDirectory.WriteFile(input, $"events-{f:D6}.json", string.Join('\n', lines) + "\n");
        }
        expected.Add($"u2 {Time(5)}  ");
        var outDir = await KillBeforeCommitAndRestartAsync(dir, batch: 4, "--joined");

        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = Path.Combine(dir.Path, "reader") });
        var rows = await session.Read.Schema("user STRING, viewed TIMESTAMP, bought TIMESTAMP, amount_cents BIGINT").Json(outDir).CollectAsync();
        var emitted = rows.Select(r => $"{r["user"]} {Time(r["viewed"])} {Time(r["bought"])} {r["amount_cents"]}").Order().ToList();
        Assert.Equal(expected.Order(), emitted);

        static string Event(string user, string action, int second) =>
            $"{{\"user\":\"{user}\",\"action\":\"{action}\",\"amount\":1.5,\"ts\":\"{Time(second)}\"}}";
        static string Time(object? at) => at switch
        {
            DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            int s => $"2026-01-01T00:{s / 60:D2}:{s % 60:D2}Z",
            _ => "",
        };
    }

    [Fact]
    public async Task KillWithGroupStateStagedBeforeCommit_NoRunningTotalCountsAnEventTwice()
    {
        using var dir = new TempDirectory();
        var input = dir.Sub(Path.Combine("demo", "in"));
        // File f (one per epoch) holds four buys of 1.00, two per user (u0, u1), so each epoch moves each user's running
        // count by 2; a group state applied twice across the kill would show a count of 10.
        var expected = new List<string>();
        for (var f = 0; f < 4; f++)
        {
            var lines = Enumerable.Range(1, 4).Select(i => $"{{\"user\":\"u{i % 2}\",\"action\":\"buy\",\"amount\":1.0,\"ts\":\"2026-01-01T00:00:0{i}Z\"}}");
            TempDirectory.WriteFile(input, $"events-{f:D6}.json", string.Join('\n', lines) + "\n");
            expected.AddRange([$"u0 {2 * (f + 1)} {200 * (f + 1)}", $"u1 {2 * (f + 1)} {200 * (f + 1)}"]);
        }
        var outDir = await KillBeforeCommitAndRestartAsync(dir, batch: 2, "--running-totals");

        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = Path.Combine(dir.Path, "reader") });
        var rows = await session.Read.Schema("user STRING, events BIGINT, cents BIGINT").Json(outDir).CollectAsync();
        Assert.Equal(expected.Order(), rows.Select(r => $"{r["user"]} {r["events"]} {r["cents"]}").Order());
    }

    // transformWithState under a real kill -9, at three points: after batch 1 staged its state and wrote its part file
    // (before the sink log), in batch 2 (the epoch whose event-time timer emits "quiet") before its sink log, and in batch 2
    // after its sink log but before its commit. File f holds events of u0 and u1 at f*20 + i seconds; "early" sends one
    // event at 0 s, whose quiet timer (10 s) the watermark of batch 2 (24 - 5 = 19 s) fires. Every row comes once, with the
    // right running count: a count applied twice, or a timer that fired twice or never, would show.
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(2, true)]
    public async Task TransformWithState_KillMidEpoch_RestartEmitsEveryRowOnceWithTheRightCounts(int batch, bool afterSinkLog)
    {
        using var dir = new TempDirectory();
        var input = dir.Sub(Path.Combine("demo", "in"));
        var expected = new List<string>();
        var counts = new Dictionary<string, int>();
        for (var f = 0; f < 4; f++)
        {
            var events = Enumerable.Range(0, 5).Select(i => (User: $"u{i % 2}", Second: f * 20 + i)).ToList();
            if (f == 0) events.Insert(0, ("early", 0));
            foreach (var user in events.GroupBy(e => e.User))
            {
                counts[user.Key] = counts.GetValueOrDefault(user.Key) + user.Count();
                expected.Add($"{user.Key} count {counts[user.Key]} {user.Max(e => e.Second)}");
            }
            TempDirectory.WriteFile(input, $"events-{f:D6}.json", string.Concat(events.Select(e => Event(e.User, e.Second) + "\n")));
        }
        expected.Add("early quiet 1 0");

        var outDir = await KillAndRestartAsync(dir, batch, afterSinkLog, "--stateful");
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = Path.Combine(dir.Path, "reader") });
        var rows = await session.Read.Schema("user STRING, kind STRING, events BIGINT, last_seen TIMESTAMP").Json(outDir).CollectAsync();
        var emitted = rows.Select(r => $"{r["user"]} {r["kind"]} {r["events"]} {(long)(r.Get<DateTime>("last_seen") - new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalSeconds}").Order(StringComparer.Ordinal).ToList();
        Log("emitted: " + string.Join(" | ", emitted));
        Assert.Equal(expected.Order(StringComparer.Ordinal), emitted);

        static string Event(string user, int second) =>
            $"{{\"user\":\"{user}\",\"action\":\"buy\",\"amount\":1.0,\"ts\":\"2026-01-01T00:{second / 60:D2}:{second % 60:D2}Z\"}}";
    }

    // The file source splits an epoch's files over one source task per core by default, and each task writes its own part
    // file: a replay on a machine with fewer cores must split the epoch as it was split the first time.
    [Fact]
    public async Task KillAfterTheSinkLog_RestartOnAMachineWithFewerCores_DeliversEveryRowExactlyOnce()
    {
        using var dir = new TempDirectory();
        var (_, expected) = WriteBuys(dir);
        var marker = Path.Combine(dir.Path, "hanging");
        string[] job = ["job", "--data", dir.Path, "--no-generate", "--until-idle", "--sink", "json", "--max-files-per-trigger", "4", "--interval", "0 seconds"];
        using (var first = StartJob(job, new(HangEpochs.SiloEnvironment(0, marker, afterSinkLog: true)) { ["DOTNET_PROCESSOR_COUNT"] = "2" }))
        {
            await WaitForFileAsync(marker, first, TimeSpan.FromSeconds(90));
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }
        var outDir = Path.Combine(dir.Path, "demo", "out");
        Assert.True(File.Exists(Path.Combine(outDir, "_spark_metadata", "0")), "batch 0's sink log entry must be written before the kill");

        using (var second = StartJob(job, new() { ["DOTNET_PROCESSOR_COUNT"] = "1" }))
        {
            Assert.True(second.WaitForExit(TimeSpan.FromSeconds(120)), "the resumed job did not finish");
            Assert.Equal(0, second.ExitCode);
        }
        Assert.Equal(expected.Order(), await ReadUsersAsync(dir, outDir));
    }

    // Under AvailableNow a query without watermark plans each epoch and writes it ahead while the previous one runs: killed in
    // batch 1's commit, batch 2 is already written ahead, so the restart runs both again from their records, each file once.
    [Fact]
    public async Task AvailableNow_KillWhileTheNextEpochIsWrittenAhead_RestartDeliversEveryRowExactlyOnce()
    {
        using var dir = new TempDirectory();
        var (input, expected) = WriteBuys(dir);
        string[] job = ["job", "--data", dir.Path, "--no-generate", "--available-now", "--sink", "json", "--max-files-per-trigger", "1"];
        await KillWithTheNextEpochWrittenAheadAsync(dir, job, batch: 1);
        var outDir = Path.Combine(dir.Path, "demo", "out");
        Assert.Contains(Directory.GetFiles(outDir), f => Path.GetFileName(f).StartsWith("part-00001", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(outDir, "_spark_metadata", "1")), "batch 1 must not be committed before the kill");
        Assert.DoesNotContain(Directory.GetFiles(outDir), f => Path.GetFileName(f).StartsWith("part-00002", StringComparison.Ordinal));
        // The checkpoint (the trigger's binary record) already names batch 2's file: it was planned while batch 1 ran.
        Assert.Contains(Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories).Where(f => !f.StartsWith(input, StringComparison.Ordinal) && !f.StartsWith(outDir, StringComparison.Ordinal)),
            f => File.ReadAllBytes(f).AsSpan().IndexOf("events-000002.json"u8) >= 0);

        using (var second = StartJob(job, new()))
        {
            Assert.True(second.WaitForExit(TimeSpan.FromSeconds(120)), "the resumed job did not finish");
            Assert.Equal(0, second.ExitCode);
        }
        Assert.Equal(expected.Order(), await ReadUsersAsync(dir, outDir));
    }

    // With a watermark the next epoch is written ahead once the running one's source tasks have answered, with the watermark
    // their event times give, and its source tasks run ahead. Killed in batch 2's commit (the first epoch that emits a
    // window), batch 3 is already written ahead and its rows staged at the partitions: two epochs in flight. The restart
    // runs both again from their records: every window once, none lost, counts applied once.
    [Fact]
    public async Task AvailableNow_Windowed_KillWhileTheNextEpochIsWrittenAhead_NoWindowIsEmittedTwice()
    {
        using var dir = new TempDirectory();
        var input = WriteWindowedBuys(dir);
        string[] job = ["job", "--windowed", "--data", dir.Path, "--no-generate", "--available-now", "--sink", "json", "--max-files-per-trigger", "1"];
        var staged = dir.Sub("staged");
        await KillWithTheNextEpochWrittenAheadAsync(dir, job, batch: 2, RecordStagedBatches.SiloEnvironment(staged));
        var outDir = Path.Combine(dir.Path, "demo", "out");
        Assert.False(File.Exists(Path.Combine(outDir, "_spark_metadata", "2")), "batch 2 must not be committed before the kill");
        Assert.True(File.Exists(RecordStagedBatches.Marker(staged, 3)), "batch 3's source tasks did not stage rows while batch 2 finished");
        Assert.Contains(Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories).Where(f => !f.StartsWith(input, StringComparison.Ordinal) && !f.StartsWith(outDir, StringComparison.Ordinal)),
            f => File.ReadAllBytes(f).AsSpan().IndexOf("events-000003.json"u8) >= 0);

        await RestartAndExpectEveryWindowOnceAsync(dir, job, outDir);
    }

    // A partition answers an epoch once its version two epochs before is durable, so two versions' flushes may be in flight.
    // Version 2's flush never ends here: epoch 3 still runs through its sink, epoch 4 waits; killed then, with versions 2
    // and 3 durable nowhere, batch 1 the last committed. The restart re-runs from there: every window once.
    [Fact]
    public async Task AvailableNow_Windowed_KillWithTwoStateVersionsBeingWritten_NoWindowIsEmittedTwice()
    {
        using var dir = new TempDirectory();
        WriteWindowedBuys(dir);
        string[] job = ["job", "--windowed", "--data", dir.Path, "--no-generate", "--available-now", "--sink", "json", "--max-files-per-trigger", "1"];
        var marker = Path.Combine(dir.Path, "held");
        var outDir = Path.Combine(dir.Path, "demo", "out");
        using (var first = StartJob(job, HoldStateFlush.SiloEnvironment(2, marker)))
        {
            await WaitForFileAsync(marker, first, TimeSpan.FromSeconds(90));
            // Epoch 3 needs only version 1 durable: it runs through its sink commit while version 2's flush is held.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!File.Exists(Path.Combine(outDir, "_spark_metadata", "3")) && DateTime.UtcNow < deadline) await Task.Delay(100);
            Log($"kill -9 of process {first.Id} with state version 2's flush held");
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }
        // Batch 3's sink committed (its file-sink log entry written) while state version 2 was not durable: the trigger's
        // commit log stops before batch 2, so the restart runs batches 2 and 3 again, and the sink skips what its log has.
        Assert.Contains(Directory.GetFiles(outDir), f => Path.GetFileName(f).StartsWith("part-00003", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(outDir, "_spark_metadata", "3")), "batch 3's sink did not commit while version 2's flush was held");

        await RestartAndExpectEveryWindowOnceAsync(dir, job, outDir);
    }

    /// <summary>Runs <paramref name="job"/> again to its end and checks that <see cref="WriteWindowedBuys"/>'s windows were each
    /// written once, with their counts.</summary>
    private async Task RestartAndExpectEveryWindowOnceAsync(TempDirectory dir, string[] job, string outDir)
    {
        using (var second = StartJob(job, new()))
        {
            Assert.True(second.WaitForExit(TimeSpan.FromSeconds(120)), "the resumed job did not finish");
            Assert.Equal(0, second.ExitCode);
        }
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = Path.Combine(dir.Path, "reader") });
        var rows = await session.Read.Schema("window STRUCT<start: TIMESTAMP, end: TIMESTAMP>, user STRING, events BIGINT").Json(outDir).CollectAsync();
        var windows = rows.Select(r => $"{r.Get<Row>("window").Get<DateTime>(0):mm:ss} {r["user"]} {r["events"]}").Order().ToList();
        Assert.Equal(["00:00 u0 2", "00:00 u1 2", "00:20 u0 2", "00:20 u1 2", "00:40 u0 2", "00:40 u1 2"], windows);
    }

    /// <summary>File f: events at f*20 + i seconds (i = 0..4; i = 0 a "view" the job filters out), users u0/u1 alternating, so
    /// every window [f*20, f*20+10) ends with 2 buys per user; the watermark (max - 5 s) closes file f's window in the epoch
    /// after it. Returns the input folder.</summary>
    private static string WriteWindowedBuys(TempDirectory dir)
    {
        var input = dir.Sub(Path.Combine("demo", "in"));
        for (var f = 0; f < 4; f++)
        {
            var lines = Enumerable.Range(0, 5).Select(i =>
                $"{{\"user\":\"u{i % 2}\",\"action\":\"{(i == 0 ? "view" : "buy")}\",\"amount\":1.0,\"ts\":\"2026-01-01T00:{f * 20 / 60:D2}:{f * 20 % 60 + i:D2}Z\"}}");
            TempDirectory.WriteFile(input, $"events-{f:D6}.json", string.Join('\n', lines) + "\n");
        }
        return input;
    }

    /// <summary>Runs <paramref name="job"/> hanging in <paramref name="batch"/>'s commit and kills it there, once the next
    /// epoch's write-ahead, which runs beside the batch and is not held by its hang, has had its turn.</summary>
    private async Task KillWithTheNextEpochWrittenAheadAsync(TempDirectory dir, string[] job, int batch, Dictionary<string, string>? environment = null)
    {
        var marker = Path.Combine(dir.Path, "hanging");
        var hang = HangEpochs.SiloEnvironment(batch, marker);
        foreach (var (k, v) in environment ?? []) hang[k] = v;
        using var first = StartJob(job, hang);
        await WaitForFileAsync(marker, first, TimeSpan.FromSeconds(90));
        await Task.Delay(TimeSpan.FromSeconds(1));
        first.Kill(entireProcessTree: true);
        await first.WaitForExitAsync();
    }

    /// <summary>Four files of three buys each (users u{file}-{row}) in the job's input folder; returns it and the users.</summary>
    private static (string Input, List<string> Users) WriteBuys(TempDirectory dir)
    {
        var input = dir.Sub(Path.Combine("demo", "in"));
        var users = new List<string>();
        for (var f = 0; f < 4; f++)
        {
            users.AddRange(Enumerable.Range(0, 3).Select(i => $"u{f}-{i}"));
            TempDirectory.WriteFile(input, $"events-{f:D6}.json", string.Concat(Enumerable.Range(0, 3).Select(i =>
                $"{{\"user\":\"u{f}-{i}\",\"action\":\"buy\",\"amount\":1.0,\"ts\":\"2026-01-01T00:00:0{i}Z\"}}\n")));
        }
        return (input, users);
    }

    /// <summary>The users of every row the job wrote to <paramref name="outDir"/>, in order.</summary>
    private static async Task<List<string>> ReadUsersAsync(TempDirectory dir, string outDir)
    {
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = Path.Combine(dir.Path, "reader") });
        return (await session.Read.Schema("user STRING").Json(outDir).CollectAsync()).Select(r => (string)r["user"]!).Order().ToList();
    }

    /// <summary>
    /// Runs the main job as a process that hangs after batch <paramref name="batch"/> wrote its part file and before the
    /// sink log and commit log, kills it there, checks that the batch was not committed, and runs the job again to the end.
    /// Returns the output folder.
    /// </summary>
    private Task<string> KillBeforeCommitAndRestartAsync(TempDirectory dir, int batch, params string[] jobOptions) =>
        KillAndRestartAsync(dir, batch, afterSinkLog: false, jobOptions);

    // Kills the job in batch's commit (before or after its file-sink log entry, always before its commit record), then runs
    // it again to the end; returns the output folder.
    private async Task<string> KillAndRestartAsync(TempDirectory dir, int batch, bool afterSinkLog, params string[] jobOptions)
    {
        var marker = Path.Combine(dir.Path, "hanging");
        string[] job = ["job", .. jobOptions, "--data", dir.Path, "--no-generate", "--until-idle", "--sink", "json", "--max-files-per-trigger", "1", "--interval", "0 seconds"];
        var batchText = batch.ToString(System.Globalization.CultureInfo.InvariantCulture);

        using (var first = StartJob(job, HangEpochs.SiloEnvironment(batch, marker, afterSinkLog)))
        {
            await WaitForFileAsync(marker, first, TimeSpan.FromSeconds(90));
            Log($"kill -9 of process {first.Id} in batch {batch}{(afterSinkLog ? " after its sink log" : " before its sink log")}");
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }
        var outDir = Path.Combine(dir.Path, "demo", "out");
        Assert.Contains(Directory.GetFiles(outDir), f => Path.GetFileName(f).StartsWith($"part-{batch:D5}", StringComparison.Ordinal));
        Assert.Equal(afterSinkLog, File.Exists(Path.Combine(outDir, "_spark_metadata", batchText)));

        using (var second = StartJob(job, new()))
        {
            Assert.True(second.WaitForExit(TimeSpan.FromSeconds(120)), "the resumed job did not finish");
            Assert.Equal(0, second.ExitCode);
        }
        return outDir;
    }

    private Process StartJob(string[] args, Dictionary<string, string> environment) => StartJob(args, environment, output);

    /// <summary>Starts the silo executable with <paramref name="args"/>, logging the output lines <paramref name="keep"/> takes (all by default) and every error line.</summary>
    internal static Process StartJob(string[] args, Dictionary<string, string> environment, ITestOutputHelper output, Predicate<string>? keep = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(SiloAssembly());
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment) info.Environment[k] = v;
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null && (keep is null || keep(e.Data))) Log(output, e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Log(output, "err: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Log(string line) => Log(output, line);

    /// <summary>Writes <paramref name="line"/> to the test's output, unless the test has already ended.</summary>
    internal static void Log(ITestOutputHelper output, string line)
    {
        try { output.WriteLine(line); } catch (InvalidOperationException) { }
    }

    // The silo executable is built by the solution build in the same configuration as this test assembly.
    internal static string SiloAssembly() => OrleansStream.Testing.SiloAssembly.Locate();

    internal static async Task WaitForFileAsync(string path, Process process, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!File.Exists(path))
        {
            if (process.HasExited) throw new InvalidOperationException($"The job exited with code {process.ExitCode} before reaching the fault point.");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The job did not reach the fault point in {timeout}.");
            await Task.Delay(100);
        }
    }
}
