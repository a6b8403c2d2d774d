using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Streaming;

/// <summary>Spark's FileStreamSinkSuite, its expected rows ported.</summary>
[Collection(SessionCollection.Name)]
public sealed class SparkFileStreamSinkSuiteTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    private string NewFolder(string name) => fixture.Data.Sub(name + "-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task UnpartitionedWritingAndBatchReading()
    {
        var input = Session.CreateMemoryStream<int>();
        var output = NewFolder("stream.output");
        var query = await input.ToDF().WriteStream.Option("checkpointLocation", NewFolder("stream.checkpoint")).Format("parquet").StartAsync(output);
        await input.AddDataAsync(1, 2, 3);
        await query.ProcessAllAvailableAsync();
        Assert.Equal(["1", "2", "3"], Scenario.Plain(await Session.Read.Parquet(output).CollectAsync()).Order(StringComparer.Ordinal));
        await query.StopAsync();
    }

    [Theory]
    [InlineData(null)] // parquet, the default format
    [InlineData("parquet")]
    [InlineData("text")]
    [InlineData("json")]
    public async Task AFileSinkStartsWithEachFormat(string? format)
    {
        var input = Session.CreateMemoryStream<int>();
        var writer = input.ToDF().Select(Col("value").As("id"), (Col("value") * 1000).As("value")).WriteStream;
        if (format is not null) writer = writer.Format(format);
        var query = await writer.Option("checkpointLocation", NewFolder("stream.checkpoint")).StartAsync(NewFolder("stream.output"));
        Assert.True(query.IsActive);
        await query.StopAsync();
    }

    // Also item 8 of the parity issue: before the first row, the output folder reads as an empty table of the query's schema.
    [Fact]
    public async Task WritingWithAggregation()
    {
        var input = Session.CreateMemoryStream<long>();
        var output = NewFolder("stream.output");
        var result = input.ToDF().ToDF("time")
            .SelectExpr("CAST(time AS timestamp) AS timestamp")
            .WithWatermark("timestamp", "10 seconds")
            .GroupBy(Window(Col("timestamp"), "5 seconds"))
            .Count()
            .Select("window.start", "window.end", "count");
        var query = await result.WriteStream.Option("checkpointLocation", NewFolder("stream.checkpoint")).Format("parquet").StartAsync(output);
        async Task AddTimestamp(params long[] seconds)
        {
            await input.AddDataAsync(seconds);
            await query.ProcessAllAvailableAsync();
        }
        async Task Check(params string[] expected)
        {
            var rows = await Session.Read.Parquet(output).SelectExpr("CAST(start AS BIGINT) AS start", "CAST(end AS BIGINT) AS end", "count").CollectAsync();
            Assert.Equal(expected, Scenario.Plain(rows).Order(StringComparer.Ordinal));
        }

        // Spark's expectations since SPARK-24156 (no-data batches): an epoch without input runs when the moved watermark
        // evicts, so each window is emitted as soon as the watermark passes its end.
        await AddTimestamp(100); // the watermark moves to 90
        await Check(); // nothing emitted yet: the folder holds the epoch's empty file, an empty table of the schema
        await AddTimestamp(104, 123); // to 113
        await Check("100:105:2"); // the no-data epoch emits [100, 105)
        await AddTimestamp(140); // to 130
        await Check("100:105:2", "120:125:1"); // the no-data epoch emits [120, 125)
        await query.StopAsync();
    }

    // Item 8 with a text format: Spark's writer leaves an empty JSON file for an epoch without rows, and a folder of empty JSON
    // files reads as an empty table with no columns; the first rows' file then gives the schema.
    [Fact]
    public async Task EpochWithoutRows_Json_LeavesAnEmptyFileThatReadsAsAnEmptyTable()
    {
        var input = Session.CreateMemoryStream<int>();
        var output = NewFolder("stream.output");
        var query = await input.ToDF().Where("value > 10").WriteStream.Option("checkpointLocation", NewFolder("stream.checkpoint")).Format("json").StartAsync(output);
        await input.AddDataAsync(1);
        await query.ProcessAllAvailableAsync();
        var empty = Session.Read.Json(output);
        Assert.Empty(await empty.CollectAsync());
        Assert.Empty(empty.Schema.FieldsList);
        await input.AddDataAsync(11);
        await query.ProcessAllAvailableAsync();
        Assert.Equal(["11"], Scenario.Plain(await Session.Read.Json(output).CollectAsync()));
        await query.StopAsync();
    }
}
