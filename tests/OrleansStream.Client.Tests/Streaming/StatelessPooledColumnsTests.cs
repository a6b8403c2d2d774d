using OrleansStream.Client.Tests.Infrastructure;
using OrleansStream.Engine.Data;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Streaming;

/// <summary>
/// Stateless queries over a source whose batches have no owner (a memory stream, as a file or prebuilt source): the source
/// task rents the columns it computes from the pool and hands every one back once what it made of the batch was shipped.
/// </summary>
public sealed class StatelessPooledColumnsTests
{
    [Fact]
    public async Task ComputedColumns_OfUnownedBatches_AreRentedAndAllReturned_AfterTheRowsWereShipped()
    {
        using var dir = new TempDirectory();
        var pool = new ArrowBufferPool();
        await using var session = await PooledSession.StartAsync(dir.Path, pool);
        var input = session.CreateMemoryStream<long>();
        // q1's shape (a computed column beside a passed-on one) and a filter on a computed predicate before it.
        var converted = await input.ToDF().Select(Col("value"), (Col("value") * 0.908).As("euros"))
            .WriteStream.Format("memory").QueryName("converted").StartAsync();
        var filtered = await input.ToDF().Where(Col("value") * 0.5 > 1000).Select((Col("value") * 2.0).As("doubled"))
            .WriteStream.Format("memory").QueryName("filtered").StartAsync();

        var values = Enumerable.Range(0, 9000).Select(i => (long)i * 7 % 5003).ToArray();
        foreach (var chunk in values.Chunk(3000))
        {
            await input.AddDataAsync(chunk);
            await converted.ProcessAllAvailableAsync();
            await filtered.ProcessAllAvailableAsync();
        }

        // Three epochs per query, each a column computed per source task (and none for the predicate's slices).
        Assert.True(pool.Rented >= 3 * 2, $"rented {pool.Rented}");
        Assert.Equal(pool.Rented, pool.Returned);
        Assert.Equal(values.Select(v => $"{v}:{v * 0.908}").Order(), (await session.Table("converted").CollectAsync())
            .Select(r => $"{r.Get<long>("value")}:{r.Get<double>("euros")}").Order());
        var kept = values.Where(v => v * 0.5 > 1000).Select(v => v * 2.0).Order().ToList();
        Assert.NotEmpty(kept);
        Assert.Equal(kept, (await session.Table("filtered").CollectAsync()).Select(r => r.Get<double>("doubled")).Order());
        await converted.StopAsync();
        await filtered.StopAsync();
    }
}
