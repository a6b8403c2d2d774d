using Microsoft.Extensions.Time.Testing;
using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Streaming;

public sealed class TriggerTests
{
    [Fact]
    public async Task ProcessingTime_FollowsTheSiloClock_AndCurrentTimestampIsTheBatchTimestamp()
    {
        using var dir = new TempDirectory();
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var clock = new FakeTimeProvider(start);
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path, TimeProvider = clock });

        var input = session.CreateMemoryStream<int>();
        await input.AddDataAsync(1);
        var query = await input.ToDF().WithColumn("at", CurrentTimestamp())
            .WriteStream.Format("memory").QueryName("clocked").Trigger(Trigger.ProcessingTime("10 seconds")).StartAsync();
        await WaitUntil(() => query.Status.LastCommittedBatchId == 0);
        await input.AddDataAsync(2);
        await Task.Delay(500);
        Assert.Equal(0, query.Status.LastCommittedBatchId); // the clock has not reached the next trigger

        clock.Advance(TimeSpan.FromSeconds(10));
        await WaitUntil(() => query.Status.LastCommittedBatchId == 1);
        var rows = await session.Table("clocked").CollectAsync();
        Assert.Equal(start.UtcDateTime, rows.Single(r => r.Get<int>("value") == 1)["at"]);
        Assert.Equal(start.AddSeconds(10).UtcDateTime, rows.Single(r => r.Get<int>("value") == 2)["at"]);
        await query.StopAsync();
    }

    [Fact]
    public async Task ProcessingTime_StatefulEpochIsCommittedBeforeTheNextTrigger()
    {
        // A stateful epoch's state is written in the background; its commit must not wait for the next epoch to run.
        using var dir = new TempDirectory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path, TimeProvider = clock });

        var input = session.CreateMemoryStream<int>();
        await input.AddDataAsync(1, 2, 1);
        var query = await input.ToDF().GroupBy("value").Count()
            .WriteStream.OutputMode(OutputMode.Complete).Format("memory").QueryName("clocked_counts").Trigger(Trigger.ProcessingTime("10 seconds")).StartAsync();
        await WaitUntil(() => query.Status.LastCommittedBatchId == 0);
        await input.AddDataAsync(2);
        clock.Advance(TimeSpan.FromSeconds(10));
        await WaitUntil(() => query.Status.LastCommittedBatchId == 1);

        var counts = (await session.Table("clocked_counts").CollectAsync()).ToDictionary(r => r.Get<int>("value"), r => r.Get<long>("count"));
        Assert.Equal(new Dictionary<int, long> { [1] = 2, [2] = 2 }, counts);
        await query.StopAsync();
    }

    [Fact]
    public async Task Once_RunsOneEpochAndTerminates()
    {
        using var dir = new TempDirectory();
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path });
        var input = session.CreateMemoryStream<int>();
        await input.AddDataAsync(1, 2);
        await input.AddDataAsync(3);

        var query = await input.ToDF().WriteStream.Format("memory").QueryName("once").Trigger(Trigger.Once()).StartAsync();
        Assert.True(await query.AwaitTerminationAsync(TimeSpan.FromSeconds(30)));

        Assert.Single(query.RecentProgress);
        Assert.Equal([1, 2, 3], (await session.Table("once").CollectAsync()).Select(r => r.Get<int>(0)));
    }

    [Fact]
    public async Task RateMicroBatch_IsDeterministicPerEpoch()
    {
        using var dir = new TempDirectory();
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path });
        var query = await session.ReadStream.Format("rate-micro-batch").Option("rowsPerBatch", 4).Option("numPartitions", 2).Load()
            .WriteStream.Format("memory").QueryName("rate_mb").StartAsync();
        await WaitUntil(() => query.RecentProgress.Count >= 3 || query.Status.LastCommittedBatchId >= 2);
        await query.StopAsync();

        var rows = await session.Table("rate_mb").CollectAsync();
        var byValue = rows.ToDictionary(r => r.Get<long>("value"), r => (DateTime)r["timestamp"]!);
        Assert.Equal(Enumerable.Range(0, byValue.Count).Select(i => (long)i), byValue.Keys.Order());
        Assert.Equal(DateTime.UnixEpoch, byValue[3]);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1), byValue[4]);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached in 30 s");
            await Task.Delay(50);
        }
    }
}
