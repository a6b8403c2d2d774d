using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>Spark's EventTimeWatermarkSuite, its expected rows ported.</summary>
[Collection(SessionCollection.Name)]
public sealed class SparkEventTimeWatermarkSuiteTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    private static DataFrame WindowedCount(DataFrame values) => values
        .WithColumn("eventTime", Col("value").Cast("timestamp"))
        .WithWatermark("eventTime", "10 seconds")
        .GroupBy(Window(Col("eventTime"), "5 seconds").As("window"))
        .Agg(Count().As("count"))
        .SelectExpr("CAST(window.start AS LONG)", "count");

    // "complete mode": no eviction, and a row behind the watermark still counts when every group is kept.
    [Fact]
    public async Task CompleteMode()
    {
        var input = Session.CreateMemoryStream<long>();
        var query = await WindowedCount(input.ToDF()).WriteStream.OutputMode(OutputMode.Complete).Format("memory").QueryName("spark_watermark_complete").StartAsync();
        async Task Step(long[] data, params string[] expected)
        {
            await input.AddDataAsync(data);
            await query.ProcessAllAvailableAsync();
            Assert.Equal(expected, Scenario.Plain(await Session.Table("spark_watermark_complete").CollectAsync()));
        }

        await Step([10, 11, 12], "10:3");
        await Step([25], "10:3", "25:1");
        await Step([25], "10:3", "25:2");
        await Step([10], "10:4", "25:2");
        await Step([25], "10:4", "25:3");
        await query.StopAsync();
    }
}
