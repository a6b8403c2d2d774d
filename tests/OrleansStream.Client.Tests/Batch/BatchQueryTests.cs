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
}
