using OrleansStream.Client.Tests.Infrastructure;
using OrleansStream.Engine.Data;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Streaming;

/// <summary>
/// The exchange's parts travel to the state partitions of the silo in arrays lent from the pool: an aggregation, which copies
/// what it keeps, gives every one back after its epoch (and the next epochs' parts reuse them, results unchanged); an operator
/// that may keep its input's columns (deduplication) gives none back.
/// </summary>
public sealed class ExchangeLentBytesTests
{
    [Fact]
    public async Task AnAggregationsPartitions_GiveEveryLentPartBack_AfterTheirEpoch_WithTheSameCounts()
    {
        using var dir = new TempDirectory();
        var pool = new ArrowBufferPool();
        await using var session = await PooledSession.StartAsync(dir.Path, pool);
        var input = session.CreateMemoryStream<long>();
        var counts = await input.ToDF().GroupBy("value").Agg(Count().As("n"), Sum(Col("value")).As("s"))
            .WriteStream.Format("memory").OutputMode(OutputMode.Complete).QueryName("counts").StartAsync();

        var values = Enumerable.Range(0, 12_000).Select(i => (long)i * 7919 % 2_003).ToArray();
        var expected = new Dictionary<long, long>();
        foreach (var chunk in values.Chunk(3_000))
        {
            await input.AddDataAsync(chunk);
            await counts.ProcessAllAvailableAsync();
            foreach (var v in chunk) expected[v] = expected.GetValueOrDefault(v) + 1;
            // Each epoch's table is every key's count and sum so far: parts overwritten too early would show here.
            Assert.Equal(expected.Select(p => $"{p.Key}:{p.Value}:{p.Key * p.Value}").Order(), (await session.Table("counts").CollectAsync())
                .Select(r => $"{r.Get<long>("value")}:{r.Get<long>("n")}:{r.Get<long>("s")}").Order());
        }

        // Four epochs, each at least one part per state partition (two per silo).
        Assert.True(pool.LentCount >= 4 * 2, $"lent {pool.LentCount}");
        Assert.Equal(pool.LentCount, pool.TakenBack);
        Assert.Equal(pool.Rented, pool.Returned);
        await counts.StopAsync();
    }

    [Fact]
    public async Task ADeduplicationsPartitions_KeepTheirInputBytes_AndGiveNoneBack()
    {
        using var dir = new TempDirectory();
        var pool = new ArrowBufferPool();
        await using var session = await PooledSession.StartAsync(dir.Path, pool);
        var input = session.CreateMemoryStream<long>();
        var distinct = await input.ToDF().DropDuplicates("value").WriteStream.Format("memory").QueryName("distinct").StartAsync();

        var values = Enumerable.Range(0, 6_000).Select(i => (long)i * 31 % 1_009).ToArray();
        foreach (var chunk in values.Chunk(2_000))
        {
            await input.AddDataAsync(chunk);
            await distinct.ProcessAllAvailableAsync();
        }

        Assert.True(pool.LentCount >= 3, $"lent {pool.LentCount}");
        Assert.Equal(0, pool.TakenBack);
        Assert.Equal(values.Distinct().Order(), (await session.Table("distinct").CollectAsync()).Select(r => r.Get<long>("value")).Order());
        await distinct.StopAsync();
    }
}
