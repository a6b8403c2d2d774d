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
}
