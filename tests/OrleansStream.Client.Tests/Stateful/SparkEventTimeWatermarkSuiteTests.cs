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

/// <summary>Spark's EventTimeWatermarkSuite "watermark with 2 streams", its expected watermarks ported (up to its restart, see the README).</summary>
[Collection(SessionCollection.Name)]
public sealed class SparkTwoStreamWatermarkTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    [Fact]
    public async Task WatermarkWithTwoStreams()
    {
        var first = Session.CreateMemoryStream<int>();
        var second = Session.CreateMemoryStream<int>();
        DataFrame Timed(MemoryStream<int> input, string delay) => input.ToDF()
            .WithColumn("eventTime", Col("value").Cast("timestamp")).WithWatermark("eventTime", delay).Select("value");
        var query = await Timed(first, "10 seconds").Union(Timed(second, "5 seconds")).Agg(Sum("value"))
            .WriteStream.Format("memory").OutputMode(OutputMode.Complete).QueryName("spark_two_streams").StartAsync();

        // As Spark's getWatermarkAfterData: add the data, then a dummy row so that an epoch runs with the new watermark.
        async Task<long> WatermarkAfter(int[]? firstData = null, int[]? secondData = null)
        {
            if (firstData is not null) await first.AddDataAsync(firstData);
            if (secondData is not null) await second.AddDataAsync(secondData);
            await query.ProcessAllAvailableAsync();
            await first.AddDataAsync(0);
            await query.ProcessAllAvailableAsync();
            return DateTimeOffset.Parse(query.LastProgress!.EventTime["watermark"], System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        }

        // Global watermark starts at 0 until we get data from both sides
        Assert.Equal(0, await WatermarkAfter(firstData: [11]));
        Assert.Equal(1000, await WatermarkAfter(secondData: [6]));
        // Global watermark stays at left watermark 1 when right watermark moves to 2
        Assert.Equal(1000, await WatermarkAfter(secondData: [8]));
        // Global watermark switches to right side value 2 when left watermark goes higher
        Assert.Equal(3000, await WatermarkAfter(firstData: [21]));
        // Global watermark goes back to left
        Assert.Equal(11000, await WatermarkAfter(secondData: [17, 28, 39]));
        // Global watermark stays on left as long as it's below right
        Assert.Equal(21000, await WatermarkAfter(firstData: [31]));
        Assert.Equal(31000, await WatermarkAfter(firstData: [41]));
        // Global watermark switches back to right again
        Assert.Equal(34000, await WatermarkAfter(firstData: [51]));
        // Global watermark is updated correctly with simultaneous data from both sides
        Assert.Equal(90000, await WatermarkAfter([100], [100]));
        Assert.Equal(105000, await WatermarkAfter([120], [110]));
        Assert.Equal(120000, await WatermarkAfter([130], [125]));
        // Global watermark doesn't decrement with simultaneous data
        Assert.Equal(120000, await WatermarkAfter([100], [100]));
        Assert.Equal(120000, await WatermarkAfter([140], [100]));
        Assert.Equal(130000, await WatermarkAfter([100], [135]));
        await query.StopAsync();
    }
}
