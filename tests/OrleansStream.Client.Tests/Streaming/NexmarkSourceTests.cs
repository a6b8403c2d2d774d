using Microsoft.Extensions.Time.Testing;
using OrleansStream.Engine.Data;
using OrleansStream.Client.Tests.Infrastructure;
using OrleansStream.Engine.Sources.Nexmark;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Streaming;

/// <summary>The built-in <c>nexmark</c> source: replayable by offset, split over partitions, bounded for AvailableNow, paced.</summary>
public sealed class NexmarkSourceTests
{
    private static readonly DateTime BaseTime = DateTime.UnixEpoch.AddTicks(NexmarkConfig.Default.BaseTimeMicros * 10);

    [Fact]
    public async Task Bids_AreTheGeneratorsRows_InEpochsOfRowsPerBatch_AndARestartContinuesFromTheCheckpoint()
    {
        using var dir = new TempDirectory();
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path });
        DataFrame Bids(long numRows) => session.ReadStream.Format("nexmark").Option("numRows", numRows).Option("rowsPerBatch", 300)
            .Option("numPartitions", 3).Option("eventsPerSecond", 1000).Load();
        var checkpoint = Path.Combine(dir.Path, "ckpt");

        var first = await Bids(700).Select("auction", "bidder", "price", "dateTime").WriteStream.Format("memory").QueryName("bids")
            .Option("checkpointLocation", checkpoint).Trigger(Trigger.AvailableNow()).StartAsync();
        Assert.True(await first.AwaitTerminationAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal([300L, 300, 100], first.RecentProgress.Select(p => p.NumInputRows));

        // The same checkpoint with a larger table: rows 700..999 only, none read twice.
        var second = await Bids(1000).Select("auction", "bidder", "price", "dateTime").WriteStream.Format("memory").QueryName("bids")
            .Option("checkpointLocation", checkpoint).Trigger(Trigger.AvailableNow()).StartAsync();
        Assert.True(await second.AwaitTerminationAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal([300L], second.RecentProgress.Select(p => p.NumInputRows));

        var rows = (await session.Table("bids").CollectAsync()).OrderBy(r => r.Get<DateTime>("dateTime")).ToList();
        var expected = new NexmarkGenerator(NexmarkConfig.Default with { EventsPerSecond = 1000 }).Bids(0, 1000);
        var auction = ((Apache.Arrow.Int64Array)expected.Column("auction")).Values;
        var price = ((Apache.Arrow.Int64Array)expected.Column("price")).Values;
        Assert.Equal(1000, rows.Count);
        for (var k = 0; k < rows.Count; k++)
        {
            // Bid k is event 50·(k/46) + 4 + k%46; at 1000 events/s, that many milliseconds after the base time.
            Assert.Equal(BaseTime.AddMilliseconds(k / 46 * 50 + 4 + k % 46), rows[k].Get<DateTime>("dateTime"));
            Assert.Equal(auction[k], rows[k].Get<long>("auction"));
            Assert.Equal(price[k], rows[k].Get<long>("price"));
        }
    }

    [Fact]
    public async Task RowsPerSecond_PacesTheSourceByTheSiloClock()
    {
        using var dir = new TempDirectory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path, TimeProvider = clock });
        var query = await session.ReadStream.Format("nexmark").Option("rowsPerSecond", 100).Load().Agg(Count().As("count"))
            .WriteStream.Format("memory").OutputMode(OutputMode.Complete).QueryName("paced").StartAsync();

        await query.ProcessAllAvailableAsync();
        clock.Advance(TimeSpan.FromSeconds(2.5));
        await WaitUntil(async () => await CountAsync(session) == 250);
        await Task.Delay(300);
        Assert.Equal(250, await CountAsync(session)); // nothing beyond what the clock allows
        await query.StopAsync();
    }

    [Fact]
    public async Task QueriesThatCannotRun_AreRefusedWithTheReason()
    {
        using var dir = new TempDirectory();
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path });

        var schema = await Assert.ThrowsAnyAsync<Exception>(() => session.ReadStream.Format("nexmark").Schema("a BIGINT").Load()
            .WriteStream.Format("noop").StartAsync());
        Assert.Contains("does not take a user-specified schema", schema.Message);

        var table = await Assert.ThrowsAnyAsync<Exception>(() => session.ReadStream.Format("nexmark").Option("table", "bids").Load()
            .WriteStream.Format("noop").StartAsync());
        Assert.Contains("Invalid value 'bids' for option 'table'", table.Message);

        var unbounded = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var query = await session.ReadStream.Format("nexmark").Load().WriteStream.Format("noop").Trigger(Trigger.AvailableNow()).StartAsync();
            await query.AwaitTerminationAsync(TimeSpan.FromSeconds(30));
        });
        Assert.Contains("set option 'numRows' or 'rowsPerSecond'", unbounded.Message);
    }

    [Fact]
    public async Task SourceTasks_ReturnEveryPooledColumnArray_OnlyOnceWhatTheyMadeOfItWasShipped()
    {
        using var dir = new TempDirectory();
        var pool = new ArrowBufferPool();
        await using var session = await PooledSession.StartAsync(dir.Path, pool);
        DataFrame Bids() => session.ReadStream.Format("nexmark").Option("numRows", 6000).Option("rowsPerBatch", 1000).Option("numPartitions", 2).Load();

        // Rows to a sink (a projection passes the source's columns on as they are) and rows through an exchange (an aggregation
        // partially aggregates them in the source task): the two ways a source task ships what it made of a batch. Arrays
        // handed back too early would be overwritten by the next batches before they were shipped.
        var kept = await Bids().Where(Col("auction") % 7 == 0).Select("auction", "price", "extra").WriteStream.Format("memory")
            .QueryName("kept").Trigger(Trigger.AvailableNow()).StartAsync();
        Assert.True(await kept.AwaitTerminationAsync(TimeSpan.FromSeconds(60)));
        var counts = await Bids().GroupBy("auction").Agg(Count().As("n")).WriteStream.Format("memory").OutputMode(OutputMode.Complete)
            .QueryName("counts").Trigger(Trigger.AvailableNow()).StartAsync();
        Assert.True(await counts.AwaitTerminationAsync(TimeSpan.FromSeconds(60)));

        // Six epochs of two partitions per query: a batch of the first reads two long columns and one string column (offsets
        // and bytes), one of the second a long column.
        Assert.True(pool.Rented >= 6 * 2 * (4 + 1), $"rented {pool.Rented}");
        Assert.Equal(pool.Rented, pool.Returned);
        var bids = new NexmarkGenerator(NexmarkConfig.Default).Bids(0, 6000);
        var auction = ((Apache.Arrow.Int64Array)bids.Column("auction")).Values.ToArray();
        var price = ((Apache.Arrow.Int64Array)bids.Column("price")).Values.ToArray();
        var extra = (Apache.Arrow.StringArray)bids.Column("extra");
        var expected = Enumerable.Range(0, bids.Length).Where(i => auction[i] % 7 == 0).Select(i => $"{auction[i]}/{price[i]}/{extra.GetString(i)}").Order().ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, (await session.Table("kept").CollectAsync())
            .Select(r => $"{r.Get<long>("auction")}/{r.Get<long>("price")}/{r.Get<string>("extra")}").Order().ToList());
        Assert.Equal(auction.CountBy(a => a).Select(g => $"{g.Key}:{g.Value}").Order().ToList(), (await session.Table("counts").CollectAsync())
            .Select(r => $"{r.Get<long>("auction")}:{r.Get<long>("n")}").Order().ToList());
    }

    private static async Task<long> CountAsync(StreamSession session)
    {
        try
        {
            return (await session.Table("paced").CollectAsync()).Select(r => r.Get<long>("count")).DefaultIfEmpty(0).Single();
        }
        catch (OrleansStream.Plan.AnalysisException)
        {
            return 0; // no epoch has run yet: the sink's table does not exist
        }
    }

    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached in 30 s");
            await Task.Delay(50);
        }
    }
}
