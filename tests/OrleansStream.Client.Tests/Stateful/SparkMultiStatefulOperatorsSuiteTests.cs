using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>
/// Spark's MultiStatefulOperatorsSuite for joins followed by an aggregation, with its expected rows and state rows, and the
/// per-operator watermark it implies (Spark 3.5, SPARK-42376): an operator after a stream-stream join runs with the join's
/// output watermark, the lower of the join's state watermarks, not with the query's global watermark.
/// </summary>
[Collection(SessionCollection.Name)]
public sealed class SparkMultiStatefulOperatorsSuiteTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    private static string NewName(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>"join -> window agg, append mode": the join's output carries the left's event time into a windowed count,
    /// which releases window [0, 5) once the watermark passes it.</summary>
    [Fact]
    public async Task JoinThenWindowAggregation_AppendMode()
    {
        var input1 = Session.CreateMemoryStream<int>();
        var input2 = Session.CreateMemoryStream<int>();
        var df1 = input1.ToDF().WithColumnRenamed("value", "value1").WithColumn("eventTime1", Col("value1").Cast("timestamp")).WithWatermark("eventTime1", "0 seconds");
        var df2 = input2.ToDF().WithColumnRenamed("value", "value2").WithColumn("eventTime2", Col("value2").Cast("timestamp")).WithWatermark("eventTime2", "0 seconds");
        var counted = df1.Join(df2, Expr("eventTime1 = eventTime2"), "inner")
            .GroupBy(Window(Col("eventTime1"), "5 seconds").As("window"))
            .Agg(Count().As("count"))
            .Select(Col("window").GetField("start").Cast("long"), Col("count"));
        var name = NewName("spark_join_agg");
        var query = await counted.WriteStream.OutputMode(OutputMode.Append).Format("memory").QueryName(name).StartAsync();
        var run = new StateRowsProbe(Session, query, name);

        // Joined (1,1)..(4,4); the no-data batch at watermark 4 evicts the join's rows; [0, 5) stays open in the aggregation.
        // Spark's test checks the totals; the updates follow its definitions (the join counts each row it adds to either
        // side's state, the aggregation each group it changes).
        await run.Step(() => Session.AddDataAsync(input1.Rows(1, 2, 3, 4), input2.Rows(1, 2, 3, 4)), [], [1, 0], [1, 8]);
        // (5,5) moves the watermark to 5: [0, 5) is final with its 4 joined rows.
        await run.Step(() => Session.AddDataAsync(input1.Rows(5), input2.Rows(5)), ["0:4"], [1, 0], [1, 2]);
        await query.StopAsync();
    }

    /// <summary>"stream-stream time interval left outer join -> aggregation, append mode": the row without a partner is
    /// padded once the join's state watermark passes it, and counted in its window by the aggregation after the join.</summary>
    [Fact]
    public async Task TimeIntervalLeftOuterJoinThenAggregation_AppendMode()
    {
        var input1 = Session.CreateMemoryStream<(DateTime, string, string)>();
        var input2 = Session.CreateMemoryStream<(DateTime, string, string)>();
        var df1 = input1.ToDF().ToDF("eventTime", "id", "comment").WithWatermark("eventTime", "2 minutes");
        var df2 = input2.ToDF().ToDF("eventTime", "id", "name").WithWatermark("eventTime", "4 minutes");
        var joined = df1.As("left").Join(df2.As("right"),
            Expr("left.id = right.id AND left.eventTime BETWEEN right.eventTime - INTERVAL 40 seconds AND right.eventTime + INTERVAL 30 seconds"),
            "leftOuter");
        var counted = joined.GroupBy(Window(Col("left.eventTime"), "30 seconds")).Agg(Count().As("cnt"))
            .SelectExpr("window.start AS window_start", "window.end AS window_end", "cnt");
        static DateTime T(string text) => DateTime.SpecifyKind(DateTime.Parse(text, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc);
        static string S(string text) => ((long)(T(text) - DateTime.UnixEpoch).TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);

        await Session.TestStream(counted, OutputMode.Append).Run(
            AddData(input1, [(T("2020-01-01 00:00:00"), "abc", "has no join partner"), (T("2020-01-02 00:00:00"), "abc", "joined with A"), (T("2020-01-02 01:00:00"), "abc", "joined with B")],
                input2, [(T("2020-01-02 00:00:10"), "abc", "A"), (T("2020-01-02 00:59:59"), "abc", "B"), (T("2020-01-02 02:00:00"), "abc", "C")]),
            // Global watermark 2020-01-02 00:58:00; the join's output watermark 00:57:20 pads the partnerless row and closes
            // both windows before it.
            CheckNewAnswer($"{S("2020-01-01 00:00:00")}:{S("2020-01-01 00:00:30")}:1", $"{S("2020-01-02 00:00:00")}:{S("2020-01-02 00:00:30")}:1"),
            AddData(input1, [(T("2020-01-05 00:00:00"), "abc", "joined with D")], input2, [(T("2020-01-05 00:00:10"), "abc", "D")]),
            CheckNewAnswer($"{S("2020-01-02 01:00:00")}:{S("2020-01-02 01:00:30")}:1"));
    }

    /// <summary>Not a port, Spark's rule at work: a right row matches a left row the join still keeps, whose window the
    /// global watermark has already passed (the range allows the match). Under the global watermark the aggregation after
    /// the join would drop that joined row as late; under the join's output watermark (40 s lower here) it counts it, as
    /// Spark does.</summary>
    [Fact]
    public async Task RowsAJoinEmitsBelowTheGlobalWatermark_AreNotLateForTheAggregationAfterIt()
    {
        var left = Session.CreateMemoryStream<(string, int)>();
        var right = Session.CreateMemoryStream<(string, int)>();
        var l = left.ToDF().ToDF("id", "t").Select(Col("id").As("lid"), Col("t").Cast("timestamp").As("lt")).WithWatermark("lt", "0 seconds");
        var r = right.ToDF().ToDF("id", "t").Select(Col("id").As("rid"), Col("t").Cast("timestamp").As("rt")).WithWatermark("rt", "0 seconds");
        var counted = l.Join(r, Expr("lid = rid AND lt BETWEEN rt - INTERVAL 40 SECONDS AND rt + INTERVAL 30 SECONDS"))
            .GroupBy(Window(Col("lt"), "30 seconds")).Count()
            .Select(Col("window.start").Cast("long"), Col("count"));

        await Session.TestStream(counted, OutputMode.Append).Run(
            AddData(left, [("a", 100), ("b", 130)], right, [("z", 130)]),
            CheckNewAnswer(),
            // Global watermark 130: window [90, 120) is behind it, but the join keeps the left row at 100 (its state
            // watermark is 90) and the right row at 135 joins it. The join's output watermark is 90, so [90, 120) takes it.
            AddData(right, ("a", 135)),
            CheckNewAnswer(),
            // Global watermark 300, the join's output watermark 260: [90, 120) is final.
            AddData(left, [("c", 300)], right, [("y", 300)]),
            CheckNewAnswer([90L, 1L]));
    }
}
