using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Batch;

[Collection(SessionCollection.Name)]
public sealed class BatchQueryTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    [Fact]
    public async Task SameDataFrameApi_RunsAsBatch_OverCsvWithInferredSchema()
    {
        var dir = fixture.Data.Sub("csv-" + Guid.NewGuid().ToString("N")[..6]);
        TempDirectory.WriteFile(dir, "people.csv", "name,age\nann,31\nbob,17\ncyd,45\n");

        var adults = Session.Read.Option("header", true).Option("inferSchema", true).Csv(dir)
            .Where(Col("age") >= 18)
            .Select(Upper(Col("name")).As("name"), (Col("age") + 1).As("next_age"));

        Assert.False(adults.IsStreaming);
        Assert.Equal(["name", "next_age"], adults.Columns);
        var rows = await adults.CollectAsync();
        Assert.Equal(["ANN:32", "CYD:46"], rows.Select(r => $"{r["name"]}:{r["next_age"]}"));
        Assert.Contains("Filter (age >= 18)", adults.ExplainString());
    }

    [Fact]
    public async Task StreamToParquetSink_ThenBatchRead_SeesEveryEpochOnce()
    {
        var output = Path.Combine(fixture.Data.Path, "parquet-" + Guid.NewGuid().ToString("N")[..6]);
        var input = Session.CreateMemoryStream<(long, string)>();
        var query = await input.ToDF().WithColumnRenamed("_1", "id").WithColumnRenamed("_2", "word")
            .WriteStream.Format("parquet").Option("checkpointLocation", "parquet-" + Guid.NewGuid().ToString("N")[..6]).StartAsync(output);
        await input.AddDataAsync((1L, "a"), (2L, "b"));
        await query.ProcessAllAvailableAsync();
        await input.AddDataAsync((3L, "c"));
        await query.ProcessAllAvailableAsync();
        await query.StopAsync();

        var rows = await Session.Read.Parquet(output).CollectAsync();
        Assert.Equal(["1:a", "2:b", "3:c"], rows.Select(r => $"{r["id"]}:{r["word"]}").Order());
    }

    [Fact]
    public async Task ParquetOfSevenColumns_QuerySelectingTwo_ReadsThemAndReturnsTheRightRows()
    {
        // The planner prunes the five unread columns: the parquet reader decodes auction and price only.
        var csv = fixture.Data.Sub("bids-" + Guid.NewGuid().ToString("N")[..6]);
        TempDirectory.WriteFile(csv, "bids.csv", "auction,bidder,price,channel,url,dateTime,extra\n" +
            string.Concat(Enumerable.Range(0, 30).Select(i => $"{i},{i * 7},{i * 10},c{i},u{i},2024-01-01 00:00:{i:00},x\n")));
        var parquet = Path.Combine(fixture.Data.Path, "bids-pq-" + Guid.NewGuid().ToString("N")[..6]);
        await Session.Read.Schema("auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP, extra STRING")
            .Option("header", true).Csv(csv).Write.Format("parquet").SaveAsync(parquet);

        var rows = await Session.Read.Parquet(parquet).Where(Col("auction") % 4 == 0).Select(Col("auction"), Col("price")).CollectAsync();
        Assert.Equal(Enumerable.Range(0, 30).Where(i => i % 4 == 0).Select(i => $"{i}:{i * 10}"),
            rows.OrderBy(r => (long)r["auction"]!).Select(r => $"{r["auction"]}:{r["price"]}"));
    }
}
