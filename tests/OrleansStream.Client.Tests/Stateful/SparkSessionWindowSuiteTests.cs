using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>
/// Spark's StreamingSessionWindowSuite, its expected rows ported: words of a line are session ids of events at the line's
/// time; sessions of one id merge when they overlap or touch; rows are (sessionId, start s, end s, duration s, events).
/// </summary>
[Collection(SessionCollection.Name)]
public sealed class SparkSessionWindowSuiteTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    private static DataFrame SessionQuery(DataFrame lines, Column? sessionWindow = null) => lines
        .Select(Col("_1").As("value"), Col("_2").As("timestamp"))
        .WithColumn("eventTime", Col("timestamp").Cast("timestamp"))
        .WithWatermark("eventTime", "30 seconds")
        .Select(Explode(Split(Col("value"), " ")).As("sessionId"), Col("eventTime"))
        .GroupBy((sessionWindow ?? SessionWindow(Col("eventTime"), "10 seconds")).As("session"), Col("sessionId"))
        .Agg(Count().As("numEvents"))
        .SelectExpr("sessionId", "CAST(session.start AS LONG)", "CAST(session.end AS LONG)",
            "CAST(session.end AS LONG) - CAST(session.start AS LONG) AS durationMs", "numEvents");

    private async Task<string[]> TableAsync(string name) => Scenario.Plain(await Session.Table(name).CollectAsync());

    [Fact]
    public async Task CompleteMode_SessionWindow()
    {
        var input = Session.CreateMemoryStream<(string, long)>();
        var query = await SessionQuery(input.ToDF()).WriteStream.OutputMode(OutputMode.Complete).Format("memory").QueryName("spark_sessions_complete").StartAsync();
        async Task Step((string, long)[] data, params string[] expected)
        {
            await input.AddDataAsync(data);
            await query.ProcessAllAvailableAsync();
            Assert.Equal(expected.Order(StringComparer.Ordinal), await TableAsync("spark_sessions_complete"));
        }

        await Step([("hello world spark streaming", 40), ("world hello structured streaming", 41)],
            "hello:40:51:11:2", "world:40:51:11:2", "streaming:40:51:11:2", "spark:40:50:10:1", "structured:41:51:10:1");
        // placing new sessions "before" previous sessions
        await Step([("spark streaming", 25)],
            "spark:25:35:10:1", "streaming:25:35:10:1", "hello:40:51:11:2", "world:40:51:11:2", "streaming:40:51:11:2", "spark:40:50:10:1", "structured:41:51:10:1");
        // concatenating multiple previous sessions into one
        await Step([("spark streaming", 30)],
            "spark:25:50:25:3", "streaming:25:51:26:4", "hello:40:51:11:2", "world:40:51:11:2", "structured:41:51:10:1");
        // placing new sessions after previous sessions
        await Step([("hello apache spark", 60)],
            "spark:25:50:25:3", "streaming:25:51:26:4", "hello:40:51:11:2", "world:40:51:11:2", "structured:41:51:10:1",
            "hello:60:70:10:1", "apache:60:70:10:1", "spark:60:70:10:1");
        await Step([("structured streaming", 90)],
            "spark:25:50:25:3", "streaming:25:51:26:4", "hello:40:51:11:2", "world:40:51:11:2", "structured:41:51:10:1",
            "hello:60:70:10:1", "apache:60:70:10:1", "spark:60:70:10:1", "structured:90:100:10:1", "streaming:90:100:10:1");
        await query.StopAsync();
    }

    [Fact]
    public async Task AppendMode_SessionWindow()
    {
        var input = Session.CreateMemoryStream<(string, long)>();
        await Session.TestStream(SessionQuery(input.ToDF()), OutputMode.Append).Run(
            OrleansStream.Testing.StreamSteps.AddData(input, ("hello world spark streaming", 40L), ("world hello structured streaming", 41L)),
            OrleansStream.Testing.StreamSteps.CheckNewAnswer(), // watermark 11
            // placing new sessions "before" previous sessions
            OrleansStream.Testing.StreamSteps.AddData(input, ("spark streaming", 25L)),
            OrleansStream.Testing.StreamSteps.CheckNewAnswer(),
            // a late event whose session would end at 10, before the watermark 11: dropped
            OrleansStream.Testing.StreamSteps.AddData(input, ("spark streaming", 0L)),
            OrleansStream.Testing.StreamSteps.CheckNewAnswer(),
            OrleansStream.Testing.StreamSteps.AssertOnQuery(q => q.LastProgress!.StateOperators[0].NumRowsDroppedByWatermark == 2, "assertNumRowsDroppedByWatermark(2)"),
            // concatenating multiple previous sessions into one
            OrleansStream.Testing.StreamSteps.AddData(input, ("spark streaming", 30L)),
            OrleansStream.Testing.StreamSteps.CheckNewAnswer(),
            // placing new sessions after previous sessions (watermark 30)
            OrleansStream.Testing.StreamSteps.AddData(input, ("hello apache spark", 60L)),
            OrleansStream.Testing.StreamSteps.CheckNewAnswer(),
            // watermark 60: the sessions ending before it are final
            OrleansStream.Testing.StreamSteps.AddData(input, ("structured streaming", 90L)),
            OrleansStream.Testing.StreamSteps.CheckNewAnswer("spark:25:50:25:3", "streaming:25:51:26:4", "hello:40:51:11:2", "world:40:51:11:2", "structured:41:51:10:1"));
    }

    // SPARK-36465: a gap per row; "hello" (gap 1 s) at 40 and 41 makes sessions [40,41) and [41,42) that touch and merge.
    [Fact]
    public async Task AppendMode_DynamicGapDuration()
    {
        var input = Session.CreateMemoryStream<(string, long)>();
        var gap = When(Col("sessionId") == "hello", "1 second").When(Col("sessionId") == "structured", "0 second")
            .When(Col("sessionId") == "world", "-10 seconds").Otherwise("10 seconds");
        var query = await SessionQuery(input.ToDF(), SessionWindow(Col("eventTime"), gap))
            .WriteStream.OutputMode(OutputMode.Append).Format("memory").QueryName("spark_sessions_gap").StartAsync();
        var seen = 0;
        async Task Step((string, long)[] data, params string[] expectedNew)
        {
            await input.AddDataAsync(data);
            await query.ProcessAllAvailableAsync();
            var rows = await Session.Table("spark_sessions_gap").CollectAsync();
            Assert.Equal(expectedNew.Order(StringComparer.Ordinal), Scenario.Plain(rows.Skip(seen).ToList()));
            seen = rows.Count;
        }

        await Step([("hello world spark streaming", 40), ("world hello structured streaming", 41)]);
        await Step([("spark streaming", 25)]);
        // late events whose sessions end at 10, before the watermark 11, are dropped
        await Step([("spark streaming", 0)]);
        Assert.Equal(2, query.RecentProgress.Last(p => p.NumInputRows > 0).StateOperators[0].NumRowsDroppedByWatermark);
        await Step([("spark streaming", 30)]);
        await Step([("hello apache spark", 60)]);
        await Step([("structured streaming", 90)], "spark:25:50:25:3", "streaming:25:51:26:4", "hello:40:42:2:2");
        await query.StopAsync();
    }
}
