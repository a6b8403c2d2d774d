using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Client.Tests.Infrastructure;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Formats;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Streaming;

/// <summary>
/// A stream of Parquet files reads each file's columns into arrays rented from the silo's pool; the source task hands every
/// one back once what it made of the file was shipped, and the rows are the files' rows.
/// </summary>
public sealed class ParquetSourcePooledColumnsTests
{
    [Fact]
    public async Task ParquetFiles_ReadIntoPooledColumns_GiveThemAllBack_AndTheRowsAreTheFilesRows()
    {
        using var dir = new TempDirectory();
        var input = dir.Sub("in");
        var pool = new ArrowBufferPool();
        await using var session = await PooledSession.StartAsync(dir.Path, pool);
        var bids = session.ReadStream.Schema("auction BIGINT, price BIGINT, channel STRING").Parquet(input);
        // q1's shape (a computed column beside passed-on ones) and an aggregation, whose exchange serializes the rows.
        var converted = await bids.Select(Col("auction"), Col("channel"), (Col("price") * 0.908).As("euros"))
            .WriteStream.Format("memory").QueryName("converted").StartAsync();
        var counted = await bids.GroupBy(Col("channel")).Agg(Count().As("bids"), Sum(Col("price")).As("total"))
            .WriteStream.Format("memory").OutputMode(OutputMode.Complete).QueryName("counted").StartAsync();

        var rows = new List<(long Auction, long Price, string? Channel)>();
        for (var f = 0; f < 3; f++)
        {
            var file = Enumerable.Range(f * 1000, 1000).Select(i => ((long)i % 97, (long)i * 13 % 1001, i % 10 == 0 ? null : $"ch{i % 4}")).ToList();
            Write(Path.Combine(input, $"bids-{f}.parquet"), file);
            rows.AddRange(file);
            await converted.ProcessAllAvailableAsync();
            await counted.ProcessAllAvailableAsync();
        }

        Assert.True(pool.Rented >= 3 * 3, $"rented {pool.Rented}");
        Assert.Equal(pool.Rented, pool.Returned);
        Assert.Equal(rows.Select(r => $"{r.Auction}:{r.Channel}:{r.Price * 0.908}").Order(),
            (await session.Table("converted").CollectAsync()).Select(r => $"{r.Get<long>("auction")}:{r["channel"]}:{r.Get<double>("euros")}").Order());
        Assert.Equal(rows.GroupBy(r => r.Channel).Select(g => $"{g.Key}:{g.Count()}:{g.Sum(r => r.Price)}").Order(),
            (await session.Table("counted").CollectAsync()).Select(r => $"{r["channel"]}:{r.Get<long>("bids")}:{r.Get<long>("total")}").Order());
        await converted.StopAsync();
        await counted.StopAsync();
    }

    // Written under a temporary name and renamed, so the source never lists a file half written.
    private static void Write(string path, IReadOnlyList<(long Auction, long Price, string? Channel)> rows)
    {
        var auction = new Int64Array.Builder();
        var price = new Int64Array.Builder();
        var channel = new StringArray.Builder();
        foreach (var (a, p, c) in rows)
        {
            auction.Append(a);
            price.Append(p);
            if (c is null) channel.AppendNull();
            else channel.Append(c);
        }
        var schema = new Schema([new Field("auction", Int64Type.Default, true), new Field("price", Int64Type.Default, true),
            new Field("channel", StringType.Default, true)], null);
        var temp = path + ".tmp";
        ParquetFormat.Write(temp, [new RecordBatch(schema, [auction.Build(), price.Build(), channel.Build()], rows.Count)], schema);
        File.Move(temp, path);
    }
}
