using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using OrleansStream.Grains.Hosting;
using OrleansStream.Grains.Storage;
using OrleansStream.Grains.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansStream.Grains.Tests.Storage;

/// <summary>
/// Storage goes away in the middle of a series of checkpoint writes and comes back: the writes stall, then succeed, and the
/// stall is logged and counted. Each test runs its own Azurite with its blobs on disk, so that they survive the restart.
/// </summary>
public sealed class AzureBlobCheckpointStoreOutageTests(ITestOutputHelper output)
{
    private const string Commit = "q/commits/latest";

    [Theory]
    [InlineData(10)]
    [InlineData(30)]
    public async Task Writes_stall_while_storage_is_down_and_succeed_when_it_comes_back(int outageSeconds)
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        var logger = new ListLogger();
        var health = new CheckpointStoreHealth();
        var store = AzureBlobCheckpointStore.Create(
            new AzureBlobCheckpointOptions { ConnectionString = azurite.ConnectionString, Container = Azurite.UniqueContainerName() },
            new StorageRetrySettings
            {
                OutageBudget = TimeSpan.FromSeconds(outageSeconds + 30),
                NetworkTimeout = TimeSpan.FromSeconds(2),
                OperationTimeout = TimeSpan.FromSeconds(5),
                MaxDelay = TimeSpan.FromMilliseconds(500),
            },
            health, logger);
        var writer = new Writer(store);
        writer.Start();

        await writer.WaitForAsync(3);
        await azurite.StopAsync();
        var down = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(outageSeconds));
        var writtenBefore = writer.Written;
        await azurite.StartAgainAsync();
        var backAfter = down.Elapsed;
        var back = Stopwatch.StartNew();
        await writer.WaitForAsync(writtenBefore + 1);
        var resumedAfter = back.Elapsed;
        await writer.WaitForAsync(writtenBefore + 3);
        await writer.StopAsync();

        output.WriteLine($"storage down {backAfter.TotalSeconds:F1} s; first write after it listened again: {resumedAfter.TotalSeconds:F2} s; "
            + $"longest write {writer.LongestMs} ms; stall counted {health.TotalStallMs} ms; writes {writer.Written}");
        var stored = await store.ReadAsync(Commit);
        Assert.Equal(writer.Written.ToString(), Encoding.UTF8.GetString(stored!.Data));
        for (var i = 1; i <= writer.Written; i++) Assert.NotNull(await store.ReadAsync($"q/offsets/{i}"));
        Assert.True(writer.LongestMs >= (outageSeconds - 1) * 1000, $"a write should have stalled for the outage, the longest took {writer.LongestMs} ms");
        Assert.True(resumedAfter < TimeSpan.FromSeconds(5), $"the writes resumed {resumedAfter} after storage came back");
        Assert.Null(health.CurrentStallStarted);
        // Azurite's restart is part of the outage, and takes seconds more on a loaded machine: the stall spans the outage as measured.
        Assert.InRange(health.TotalStallMs, (outageSeconds - 1) * 1000L, (long)(backAfter + resumedAfter).TotalMilliseconds + 5000L);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains($"127.0.0.1:{azurite.Port}") && e.Message.Contains("is failing"));
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("answers again after a stall of"));
    }

    /// <summary>Writes epoch after epoch like a trigger: a new offset record (create) and the commit record (replace by ETag).</summary>
    private sealed class Writer(AzureBlobCheckpointStore store)
    {
        private volatile bool _stop;
        private int _written;
        private Task _run = Task.CompletedTask;

        public int Written => Volatile.Read(ref _written);
        public long LongestMs { get; private set; }

        public void Start() => _run = Task.Run(RunAsync);

        public Task StopAsync()
        {
            _stop = true;
            return _run;
        }

        private async Task RunAsync()
        {
            var etag = await store.PutIfAbsentAsync(Commit, B("0"));
            while (!_stop)
            {
                var epoch = Written + 1;
                var watch = Stopwatch.StartNew();
                await store.PutIfAbsentAsync($"q/offsets/{epoch}", B(epoch.ToString()));
                etag = await store.ReplaceAsync(Commit, B(epoch.ToString()), etag);
                LongestMs = Math.Max(LongestMs, watch.ElapsedMilliseconds);
                Interlocked.Increment(ref _written);
                await Task.Delay(100);
            }
        }

        public async Task WaitForAsync(int written)
        {
            var deadline = Stopwatch.StartNew();
            while (Written < written)
            {
                // A write that failed ends the series: its exception is the test's failure.
                if (_run.IsCompleted)
                {
                    await _run;
                    throw new InvalidOperationException($"the writer stopped after {Written} writes");
                }
                if (deadline.Elapsed > TimeSpan.FromSeconds(90)) throw new TimeoutException($"only {Written} of {written} writes done");
                await Task.Delay(20);
            }
        }

        private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
    }
}
