using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

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

    private static AssertStep EventStats(long? min, long? max, long? avg, long watermark) => new(q =>
    {
        string Iso(long seconds) => DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        // As Spark's assertEventStats: the last epoch that read rows (a no-data epoch may follow it).
        var e = q.RecentProgress.Last(p => p.NumInputRows > 0).EventTime;
        Assert.Equal(Iso(watermark), e["watermark"]);
        if (min is null) return;
        Assert.Equal([Iso(min.Value), Iso(max!.Value), Iso(avg!.Value)], new[] { e["min"], e["max"], e["avg"] });
    });

    private sealed record AssertStep(Action<StreamingQuery> Check)
    {
        public static implicit operator StreamAction(AssertStep step) => AssertOnQuery(step.Check, "assertEventStats");
    }

    [Fact]
    public async Task ErrorOnBadColumn()
    {
        var input = Session.CreateMemoryStream<int>();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => input.ToDF().WithWatermark("badColumn", "1 minute").WriteStream.Format("noop").StartAsync());
        Assert.Contains("badColumn", error.Message);
    }

    [Fact]
    public async Task ErrorOnWrongType()
    {
        var input = Session.CreateMemoryStream<int>();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => input.ToDF().WithWatermark("value", "1 minute").WriteStream.Format("noop").StartAsync());
        Assert.Contains("value", error.Message);
        Assert.Contains("int", error.Message);
    }

    [Fact]
    public async Task EventTimeAndWatermarkMetrics()
    {
        var withoutWatermark = Session.CreateMemoryStream<long>();
        var agg = withoutWatermark.ToDF().WithColumn("eventTime", Col("value").Cast("timestamp"))
            .GroupBy(Window(Col("eventTime"), "5 seconds").As("window")).Agg(Count().As("count"))
            .SelectExpr("CAST(window.start AS LONG)", "count");
        await Session.TestStream(agg, OutputMode.Complete).Run(
            AddData(withoutWatermark, 15),
            CheckAnswer("15:1"),
            AssertOnQuery(q => q.LastProgress!.EventTime.Count == 0, "no event-time stats without a watermark"),
            AddData(withoutWatermark, 10, 12, 14),
            CheckAnswer("10:3", "15:1"),
            AssertOnQuery(q => q.LastProgress!.EventTime.Count == 0, "no event-time stats without a watermark"));

        var input = Session.CreateMemoryStream<long>();
        await Session.TestStream(WindowedCount(input.ToDF()), OutputMode.Append).Run(
            AddData(input, 15),
            CheckAnswer(),
            EventStats(min: 15, max: 15, avg: 15, watermark: 0),
            AddData(input, 10, 12, 14),
            CheckAnswer(),
            EventStats(min: 10, max: 14, avg: 12, watermark: 5),
            AddData(input, 25),
            CheckAnswer("10:3"),
            EventStats(min: 25, max: 25, avg: 25, watermark: 5));
    }

    // SPARK-24699: Trigger.Once runs one epoch per start and no no-data epoch, so what a new watermark releases comes out
    // at the next start.
    [Fact]
    public async Task EventTimeAndWatermarkMetrics_WithTriggerOnce()
    {
        var input = Session.CreateMemoryStream<long>();
        var awaitTermination = Execute(q => q.AwaitTerminationAsync(), "awaitTermination");
        await Session.TestStream(WindowedCount(input.ToDF()), OutputMode.Append).Run(
            StartStream(Trigger.Once()),
            awaitTermination,
            AddData(input, 15),
            StartStream(Trigger.Once()),
            awaitTermination,
            CheckNewAnswer(),
            EventStats(min: 15, max: 15, avg: 15, watermark: 0),
            AddData(input, 10, 12, 14),
            StartStream(Trigger.Once()),
            awaitTermination,
            CheckNewAnswer(),
            EventStats(min: 10, max: 14, avg: 12, watermark: 5),
            AddData(input, 25),
            StartStream(Trigger.Once()),
            awaitTermination,
            CheckNewAnswer(),
            EventStats(min: 25, max: 25, avg: 25, watermark: 5),
            AddData(input, 50),
            StartStream(Trigger.Once()),
            awaitTermination,
            CheckNewAnswer("10:3"),
            EventStats(min: 50, max: 50, avg: 50, watermark: 15),
            AddData(input, 50),
            StartStream(Trigger.Once()),
            awaitTermination,
            CheckNewAnswer("15:1", "25:1"),
            EventStats(min: 50, max: 50, avg: 50, watermark: 40));
    }

    // The same rows as Trigger.Once above, read by one Trigger.AvailableNow run one file per epoch: each epoch's watermark
    // comes from the epochs before it, as Spark's does, and here the next epoch is planned and written ahead while this one
    // runs (README: AvailableNow with a watermark). Every epoch's event-time stats and the windows emitted are Spark's.
    [Fact]
    public async Task EventTimeAndWatermarkMetrics_WithTriggerAvailableNow_OneFilePerEpoch()
    {
        using var dir = new TempDirectory();
        var input = dir.Sub("in");
        long[][] files = [[15], [10, 12, 14], [25], [50], [50]];
        for (var f = 0; f < files.Length; f++)
        {
            TempDirectory.WriteFile(input, $"f{f}.json", string.Concat(files[f].Select(v => $"{{\"value\":{v}}}\n")));
            File.SetLastWriteTimeUtc(Path.Combine(input, $"f{f}.json"), new DateTime(2026, 1, 1, 0, 0, f, DateTimeKind.Utc));
        }

        var query = await WindowedCount(Session.ReadStream.Schema("value BIGINT").Option("maxFilesPerTrigger", 1).Json(input))
            .WriteStream.OutputMode(OutputMode.Append).Format("memory").QueryName("spark_watermark_available_now")
            .Trigger(Trigger.AvailableNow()).StartAsync();
        Assert.True(await query.AwaitTerminationAsync(TimeSpan.FromSeconds(60)));

        string Iso(long seconds) => DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var stats = query.RecentProgress.Where(p => p.NumInputRows > 0)
            .Select(p => $"{p.NumInputRows} {p.EventTime["min"]} {p.EventTime["max"]} {p.EventTime["avg"]} {p.EventTime["watermark"]}");
        (long Rows, long Min, long Max, long Avg, long Watermark)[] spark = [(1, 15, 15, 15, 0), (3, 10, 14, 12, 5), (1, 25, 25, 25, 5), (1, 50, 50, 50, 15), (1, 50, 50, 50, 40)];
        Assert.Equal(spark.Select(e => $"{e.Rows} {Iso(e.Min)} {Iso(e.Max)} {Iso(e.Avg)} {Iso(e.Watermark)}"), stats);
        Assert.Equal(["10:3", "15:1", "25:1"], Scenario.Plain(await Session.Table("spark_watermark_available_now").CollectAsync()).Order(StringComparer.Ordinal));
    }

    private static StreamAction NumStateRows(long total) =>
        AssertOnQuery(q => q.LastProgress!.StateOperators[0].NumRowsTotal == total, $"assertNumStateRows({total})");

    [Fact]
    public async Task AppendMode()
    {
        var input = Session.CreateMemoryStream<long>();
        await Session.TestStream(WindowedCount(input.ToDF()), OutputMode.Append).Run(
            AddData(input, 10, 11, 12, 13, 14, 15),
            CheckNewAnswer(),
            AddData(input, 25),
            CheckNewAnswer("10:5"),
            NumStateRows(2),
            AddData(input, 10),
            CheckNewAnswer(),
            NumStateRows(2));
    }

    [Fact]
    public async Task UpdateMode()
    {
        var input = Session.CreateMemoryStream<long>();
        await Session.TestStream(WindowedCount(input.ToDF()), OutputMode.Update).Run(
            AddData(input, 10, 11, 12, 13, 14, 15),
            CheckNewAnswer("10:5", "15:1"),
            AddData(input, 25),
            CheckNewAnswer("25:1"),
            NumStateRows(2),
            AddData(input, 10, 25),
            CheckNewAnswer("25:2"),
            NumStateRows(2),
            AddData(input, 10),
            CheckNewAnswer(),
            NumStateRows(2));
    }

    [Fact]
    public async Task GroupByOnRawTimestamp()
    {
        var input = Session.CreateMemoryStream<long>();
        var agg = input.ToDF().WithColumn("eventTime", Col("value").Cast("timestamp"))
            .WithWatermark("eventTime", "10 seconds")
            .GroupBy("eventTime").Agg(Count().As("count"))
            .Select(Col("eventTime").Cast("long"), Col("count"));
        await Session.TestStream(agg, OutputMode.Append).Run(
            AddData(input, 10),
            CheckAnswer(),
            AddData(input, 25),
            CheckAnswer("10:1"));
    }

    [Theory]
    [InlineData("-1 year")]
    [InlineData("1 year -13 months")]
    [InlineData("1 month -40 days")]
    [InlineData("-10 seconds")]
    public async Task DelayThresholdShouldNotBeNegative(string delay)
    {
        var input = Session.CreateMemoryStream<long>();
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
            await input.ToDF().WithColumn("eventTime", Col("value").Cast("timestamp")).WithWatermark("eventTime", delay).WriteStream.Format("noop").StartAsync());
        Assert.Contains("should not be negative.", error.Message);
    }

    [Fact]
    public async Task WatermarkIsIgnoredInBatchQuery()
    {
        var df = Session.CreateDataFrame(Enumerable.Range(1, 100).Select(i => new object?[] { (long)i }).ToList(), "key BIGINT")
            .WithColumn("eventTime", Col("key").Cast("timestamp"))
            .WithWatermark("eventTime", "1 minute")
            .Select(Col("eventTime").Cast("long"));
        Assert.Equal(Enumerable.Range(1, 100).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal),
            Scenario.Plain(await df.CollectAsync()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task MultipleWatermarkPolicy_Max()
    {
        var input1 = Session.CreateMemoryStream<long>();
        var input2 = Session.CreateMemoryStream<long>();
        var df = input1.ToDF().WithColumn("eventTime", Col("value").Cast("timestamp")).WithWatermark("eventTime", "10 seconds")
            .Union(input2.ToDF().WithColumn("eventTime", Col("value").Cast("timestamp")).WithWatermark("eventTime", "15 seconds"))
            .Select("value");
        StreamAction Watermark(long seconds) => AssertOnQuery(q => q.LastProgress!.EventTime["watermark"] ==
            DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture), $"checkWatermark({seconds})");
        var max = new Dictionary<string, string> { ["multipleWatermarkPolicy"] = "max" };
        // Spark's checkWatermark reads the watermark the next epoch will use; here a dummy epoch of an input far below it
        // shows that value in its progress.
        await Session.TestStream(df, OutputMode.Append).Run(
            StartStream(options: max),
            AddData(input1, [20L], input2, [30L]),
            CheckNewAnswer("20", "30"),
            AddData(input1, 0L),
            CheckNewAnswer("0"),
            Watermark(15),
            StopStream,
            StartStream(options: max),
            AddData(input1, [120L], input2, [130L]),
            CheckNewAnswer("120", "130"),
            AddData(input1, 0L),
            CheckNewAnswer("0"),
            Watermark(115),
            AddData(input1, 150L),
            CheckNewAnswer("150"),
            AddData(input1, 0L),
            CheckNewAnswer("0"),
            Watermark(140));
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
