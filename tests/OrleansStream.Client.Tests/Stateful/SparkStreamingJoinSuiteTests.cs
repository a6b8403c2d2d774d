using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>Spark's StreamingJoinSuite (StreamingInnerJoinSuite and the others), its expected rows ported.</summary>
[Collection(SessionCollection.Name)]
public sealed class SparkStreamingJoinSuiteTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    [Fact]
    public async Task StreamStreamInnerJoinOnNonTimeColumn()
    {
        var input1 = Session.CreateMemoryStream<int>();
        var input2 = Session.CreateMemoryStream<int>();
        var df1 = input1.ToDF().Select(Col("value").As("key"), (Col("value") * 2).As("leftValue"));
        var df2 = input2.ToDF().Select(Col("value").As("key"), (Col("value") * 3).As("rightValue"));
        var joined = df1.Join(df2, "key");

        await Session.TestStream(joined, OutputMode.Append).Run(
            AddData(input1, 1),
            CheckAnswer(),
            AddData(input2, 1, 10), // 1 arrived on input1 first, then input2: joins
            CheckNewAnswer([1, 2, 3]),
            AddData(input1, 10), // 10 arrived on input2 first, then input1: joins
            CheckNewAnswer([10, 20, 30]),
            AddData(input2, 1), // another 1 on input2 joins the 1 of input1
            CheckNewAnswer([1, 2, 3]),
            StopStream,
            StartStream(),
            AddData(input1, 1), // both 1s of input2 are in state: two rows
            CheckNewAnswer([1, 2, 3], [1, 2, 3]),
            StopStream,
            StartStream(),
            AddData(input1, 100),
            AddData(input2, 100),
            CheckNewAnswer([100, 200, 300]));
    }

    // Spark's timestamp_seconds(time) is the int cast to timestamp.
    private static DataFrame Side(MemoryStream<(int, int)> input, string prefix, int multiplier, string watermark = "10 seconds") =>
        input.ToDF().ToDF(prefix + "Key", "time")
            .Select(Col(prefix + "Key"), Col("time").Cast("timestamp").As(prefix + "Time"), (Col(prefix + "Key") * multiplier).As(prefix + "Value"))
            .WithWatermark(prefix + "Time", watermark);

    [Fact]
    public async Task StreamStreamInnerJoinWithTimeRange_WithWatermark_OneSideCondition()
    {
        var leftInput = Session.CreateMemoryStream<(int, int)>();
        var rightInput = Session.CreateMemoryStream<(int, int)>();
        var joined = Side(leftInput, "left", 2).Join(Side(rightInput, "right", 3), Expr("leftKey = rightKey AND leftTime < rightTime - interval 5 seconds"))
            .Select(Col("leftKey"), Col("leftTime").Cast("int"), Col("rightTime").Cast("int"));

        await Session.TestStream(joined, OutputMode.Append).Run(
            AddData(leftInput, (1, 5)),
            CheckAnswer(),
            AddData(rightInput, (1, 11)),
            CheckNewAnswer([1, 5, 11]),
            AddData(rightInput, (1, 10)),
            CheckNewAnswer(), // no match: leftTime 5 is not < rightTime 10 - 5
            AssertNumStateRows(total: 3, updated: 3),
            // The watermark moves to 20 s with time 30 on both inputs.
            AddData(leftInput, (1, 3), (1, 30)),
            CheckNewAnswer([1, 3, 10], [1, 3, 11]),
            AssertNumStateRows(total: 5, updated: 2),
            AddData(rightInput, (0, 30)),
            CheckNewAnswer(),
            // Right rows at or below the state watermark 25 go: (1, 11) and (1, 10).
            AssertNumStateRows(total: 4, updated: 1),
            // (1, 20) is at the watermark and dropped; (1, 21) and (1, 28) match the left rows at 3 and 5; only (1, 28) is
            // kept (21 is below the state watermark 25).
            AddData(rightInput, (1, 20), (1, 21), (1, 28)),
            CheckNewAnswer([1, 3, 21], [1, 5, 21], [1, 3, 28], [1, 5, 28]),
            AssertNumStateRows(total: 5, updated: 1, droppedByWatermark: 1),
            // leftTime <= 20 is dropped by the watermark.
            AddData(leftInput, (1, 20), (1, 21)),
            CheckNewAnswer([1, 21, 28]),
            AssertNumStateRows(total: 6, updated: 1, droppedByWatermark: 1));
    }

    [Fact]
    public async Task StreamStreamInnerJoinWithTimeRange_WithWatermark_TwoSideConditions()
    {
        var leftInput = Session.CreateMemoryStream<(int, int)>();
        var rightInput = Session.CreateMemoryStream<(int, int)>();
        // leftTime in [rightTime - 10 s, rightTime + 5 s]: given leftTime 20, rightTime in [15, 30]; given rightTime 60,
        // leftTime in [50, 65].
        var joined = Side(leftInput, "left", 2, "20 seconds").Join(Side(rightInput, "right", 3, "30 seconds"),
                Expr("leftKey = rightKey AND leftTime BETWEEN rightTime - interval 10 seconds AND rightTime + interval 5 seconds"))
            .Select(Col("leftKey"), Col("leftTime").Cast("int"), Col("rightTime").Cast("int"));

        await Session.TestStream(joined, OutputMode.Append).Run(
            AddData(leftInput, (1, 20)),
            CheckAnswer(),
            AddData(rightInput, (1, 14), (1, 15), (1, 25), (1, 26), (1, 30), (1, 31)),
            CheckNewAnswer([1, 20, 15], [1, 20, 25], [1, 20, 26], [1, 20, 30]),
            AddData(rightInput, (1, 60)),
            CheckNewAnswer(), // matches nothing on the left
            AddData(leftInput, (1, 49), (1, 50), (1, 65), (1, 66)),
            CheckNewAnswer([1, 50, 60], [1, 65, 60]),
            // Watermark min(66 - 20, 60 - 30) = 30: the left row at 30 is dropped, 31 joins.
            AddData(leftInput, (1, 30), (1, 31)),
            CheckNewAnswer([1, 31, 26], [1, 31, 30], [1, 31, 31]),
            // Watermark min(46, 80 - 30) = 46.
            AddData(rightInput, (1, 80)),
            CheckNewAnswer(),
            AddData(rightInput, (1, 46), (1, 50)), // 46 is dropped by the watermark
            CheckNewAnswer([1, 49, 50], [1, 50, 50]));
    }

    [Fact]
    public async Task StreamStreamInnerJoinWithoutEqualityPredicate_IsRefused()
    {
        var input1 = Session.CreateMemoryStream<int>();
        var input2 = Session.CreateMemoryStream<int>();
        var df1 = input1.ToDF().Select(Col("value").As("leftKey"), (Col("value") * 2).As("leftValue"));
        var df2 = input2.ToDF().Select(Col("value").As("rightKey"), (Col("value") * 3).As("rightValue"));
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => df1.Join(df2, Expr("leftKey < rightKey")).WriteStream.Format("memory")
            .QueryName("no_equality_" + Guid.NewGuid().ToString("N")[..8]).StartAsync());
        Assert.Contains("Stream-stream join without equality predicate is not supported", ex.Message);
    }

    [Fact]
    public async Task StreamStreamSelfJoin()
    {
        var input = Session.CreateMemoryStream<int>();
        var df = input.ToDF();
        var join = df.Select((Col("value") % 5).As("key"), Col("value")).Join(df.Select((Col("value") % 5).As("key"), Col("value")), "key");

        await Session.TestStream(join, OutputMode.Append).Run(
            AddData(input, 1, 2),
            CheckAnswer([1, 1, 1], [2, 2, 2]),
            StopStream,
            StartStream(),
            AddData(input, 3, 6),
            // (1, 1) and (1, 6) on each side pair up four ways.
            CheckAnswer([3, 3, 3], [1, 1, 1], [1, 1, 6], [2, 2, 2], [1, 6, 1], [1, 6, 6]));
    }

    [Fact]
    public async Task JoinBetweenThreeStreams()
    {
        var input1 = Session.CreateMemoryStream<int>();
        var input2 = Session.CreateMemoryStream<int>();
        var input3 = Session.CreateMemoryStream<int>();
        var df1 = input1.ToDF().Select(Col("value").As("leftKey"), (Col("value") * 2).As("leftValue"));
        var df2 = input2.ToDF().Select(Col("value").As("middleKey"), (Col("value") * 3).As("middleValue"));
        var df3 = input3.ToDF().Select(Col("value").As("rightKey"), (Col("value") * 5).As("rightValue"));
        var joined = df1.Join(df2, Expr("leftKey = middleKey")).Join(df3, Expr("rightKey = middleKey"));

        await Session.TestStream(joined, OutputMode.Append).Run(
            AddData(input1, 1, 5),
            AddData(input2, 1, 5, 10),
            AddData(input3, 5, 10),
            CheckNewAnswer([5, 10, 5, 15, 5, 25]));
    }

    [Fact]
    public async Task StreamingJoinOnTwoKeys_RoutesBothSidesByTheKeys()
    {
        // Spark's "streaming join should require StatefulOpClusteredDistribution from children": 1000 keys on each side.
        var input1 = Session.CreateMemoryStream<int>();
        var input2 = Session.CreateMemoryStream<int>();
        var df1 = input1.ToDF().Select(Col("value").As("a"), (Col("value") * 2).As("b"));
        var df2 = input2.ToDF().Select(Col("value").As("a"), (Col("value") * 2).As("b"));
        var joined = df1.Join(df2, ["a", "b"]).Select(Col("a"));
        var all = Enumerable.Range(1, 1000).ToArray();

        await Session.TestStream(joined, OutputMode.Append).Run(
            AddData(input1, all),
            AddData(input2, all),
            CheckAnswer(all.Select(i => new object[] { i }).ToArray()));
    }

    // Spark's setupJoinWithRangeCondition: keys equal and leftTime within 5 s of rightTime.
    private (MemoryStream<(int, int)>, MemoryStream<(int, int)>, DataFrame) JoinWithRangeCondition(string joinType)
    {
        var leftInput = Session.CreateMemoryStream<(int, int)>();
        var rightInput = Session.CreateMemoryStream<(int, int)>();
        var joined = Side(leftInput, "left", 2).Join(Side(rightInput, "right", 3),
            Expr("leftKey = rightKey AND leftTime BETWEEN rightTime - interval 5 seconds AND rightTime + interval 5 seconds"), joinType);
        var select = joinType == "left_semi"
            ? joined.Select(Col("leftKey"), Col("leftTime").Cast("int"))
            : joined.Select(Col("leftKey"), Col("rightKey"), Col("leftTime").Cast("int"), Col("rightTime").Cast("int"));
        return (leftInput, rightInput, select);
    }

    [Theory]
    [InlineData("left_outer", new object?[] { 3, null, 5, null })]
    [InlineData("right_outer", new object?[] { null, 2, null, 5 })]
    public async Task OuterJoinWithWatermarkRangeCondition(string joinType, object?[] outerResult)
    {
        var (leftInput, rightInput, joined) = JoinWithRangeCondition(joinType);
        await Session.TestStream(joined, OutputMode.Append).Run(
            AddData(leftInput, (1, 5), (3, 5)),
            CheckAnswer(),
            AddData(rightInput, (1, 10), (2, 5)),
            CheckNewAnswer([1, 1, 5, 10]),
            AddData(rightInput, (1, 11)),
            CheckNewAnswer(), // no match: the left time is too low
            // Time 30 on both inputs moves the watermark to 20.
            AddData(leftInput, (1, 7), (1, 30)),
            CheckNewAnswer([1, 1, 7, 10], [1, 1, 7, 11]),
            AddData(rightInput, (0, 30)), // the no-data epoch at watermark 20 emits the unmatched row, null-padded
            CheckNewAnswer(outerResult));
    }

    [Fact]
    public async Task FullOuterJoinWithWatermarkRangeCondition()
    {
        var (leftInput, rightInput, joined) = JoinWithRangeCondition("full_outer");
        await Session.TestStream(joined, OutputMode.Append).Run(
            AddData(leftInput, (1, 5), (3, 5)),
            CheckNewAnswer(),
            AddData(rightInput, (1, 10), (2, 5)),
            CheckNewAnswer([1, 1, 5, 10]),
            AddData(rightInput, (1, 9)),
            CheckNewAnswer([1, 1, 5, 9]),
            AddData(leftInput, (1, 7), (1, 30)),
            CheckNewAnswer([1, 1, 7, 9], [1, 1, 7, 10]),
            // Watermark 20: the unmatched rows of both sides, null-padded.
            AddData(rightInput, (0, 30)),
            CheckNewAnswer([3, null, 5, null], [null, 2, null, 5]));
    }

    // Spark's setupSelfJoin: one stream, its even values on the right, rightTime within 5 s after leftTime.
    private (MemoryStream<(int, long)>, DataFrame) SelfJoin(string joinType)
    {
        var input = Session.CreateMemoryStream<(int, long)>();
        var df = input.ToDF().Select(Col("_1").As("value"), Col("_2").Cast("timestamp").As("timestamp"));
        var left = df.Select(Col("value").As("leftId"), Col("timestamp").As("leftTime"));
        var right = df.Where(Col("value") % 2 == 0).Select(Col("value").As("rightId"), Col("timestamp").As("rightTime"));
        var joined = left.WithWatermark("leftTime", "5 seconds").Join(right.WithWatermark("rightTime", "5 seconds"),
            Expr("leftId = rightId AND rightTime >= leftTime AND rightTime <= leftTime + interval 5 seconds"), joinType);
        return (input, joinType == "left_semi"
            ? joined.Select(Col("leftId"), Col("leftTime").Cast("int"))
            : joined.Select(Col("leftId"), Col("leftTime").Cast("int"), Col("rightId"), Col("rightTime").Cast("int")));
    }

    [Theory]
    [InlineData("left_outer")]
    [InlineData("full_outer")]
    public async Task SelfOuterJoin_DoesNotReturnOuterNullsForAlreadyMatchedRows_Spark26187(string joinType)
    {
        var (input, query) = SelfJoin(joinType);
        await Session.TestStream(query, OutputMode.Append).Run(
            AddData(input, (1, 1L), (2, 2L), (3, 3L), (4, 4L), (5, 5L)),
            CheckNewAnswer([2, 2, 2, 2], [4, 4, 4, 4]),
            AddData(input, (6, 6L), (7, 7L), (8, 8L), (9, 9L), (10, 10L)),
            CheckNewAnswer([6, 6, 6, 6], [8, 8, 8, 8], [10, 10, 10, 10]),
            // Watermark 9: left rows 1 and 3 can no longer match; 2 matched in the first epoch and gets no null row.
            AddData(input, (11, 11L), (12, 12L), (13, 13L), (14, 14L), (15, 15L)),
            CheckNewAnswer([12, 12, 12, 12], [14, 14, 14, 14], [1, 1, null, null], [3, 3, null, null]));
    }

    [Fact]
    public async Task LeftOuterJoinOfAliasedStreams_Spark32148()
    {
        var input1 = Session.CreateMemoryStream<(DateTime, string, string)>();
        var df1 = input1.ToDF().SelectExpr("_1 as eventTime", "_2 as id", "_3 as comment").WithWatermark("eventTime", "2 minutes");
        var input2 = Session.CreateMemoryStream<(DateTime, string, string)>();
        var df2 = input2.ToDF().SelectExpr("_1 as eventTime", "_2 as id", "_3 as name").WithWatermark("eventTime", "4 minutes");
        var joined = df1.As("left").Join(df2.As("right"), Expr("""
            left.id = right.id AND left.eventTime BETWEEN
              right.eventTime - INTERVAL 30 seconds AND
              right.eventTime + INTERVAL 30 seconds
            """), "leftOuter");
        static DateTime T(string s) => DateTime.SpecifyKind(DateTime.Parse(s, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc);

        await Session.TestStream(joined, OutputMode.Append).Run(
            AddData(input1, [(T("2020-01-01 00:00:00"), "abc", "has no join partner"), (T("2020-01-02 00:00:00"), "abc", "joined with A"),
                    (T("2020-01-02 01:00:00"), "abc", "joined with B")],
                input2, [(T("2020-01-02 00:00:10"), "abc", "A"), (T("2020-01-02 00:59:59"), "abc", "B"), (T("2020-01-02 02:00:00"), "abc", "C")]),
            CheckNewAnswer(
                [T("2020-01-01 00:00:00"), "abc", "has no join partner", null, null, null],
                [T("2020-01-02 00:00:00"), "abc", "joined with A", T("2020-01-02 00:00:10"), "abc", "A"],
                [T("2020-01-02 01:00:00"), "abc", "joined with B", T("2020-01-02 00:59:59"), "abc", "B"]));
    }

    // Spark's setupStream: key, a timestamp of value seconds, value * multiplier; optionally watermarked by 10 s.
    private (MemoryStream<int>, DataFrame) Stream(string prefix, int multiplier, bool watermark = true)
    {
        var input = Session.CreateMemoryStream<int>();
        var df = input.ToDF().Select(Col("value").As("key"), Col("value").Cast("timestamp").As(prefix + "Time"), (Col("value") * multiplier).As(prefix + "Value"));
        return (input, watermark ? df.WithWatermark(prefix + "Time", "10 seconds") : df);
    }

    [Fact]
    public async Task StreamStreamInnerJoinOnWindows_WithoutWatermark()
    {
        var (input1, df1) = Stream("left", 2, watermark: false);
        var (input2, df2) = Stream("right", 3, watermark: false);
        var joined = df1.Select(Col("key"), Window(Col("leftTime"), "10 second"), Col("leftValue"))
            .Join(df2.Select(Col("key"), Window(Col("rightTime"), "10 second"), Col("rightValue")), ["key", "window"])
            .Select(Col("key"), Col("window.end").Cast("long"), Col("leftValue"), Col("rightValue"));

        await Session.TestStream(joined, OutputMode.Append).Run(
            AddData(input1, 1),
            CheckNewAnswer(),
            AddData(input2, 1),
            CheckNewAnswer([1, 10L, 2, 3]),
            StopStream,
            StartStream(),
            AddData(input1, 25),
            CheckNewAnswer(),
            StopStream,
            StartStream(),
            AddData(input2, 25),
            CheckNewAnswer([25, 30L, 50, 75]),
            AddData(input1, 1),
            CheckNewAnswer([1, 10L, 2, 3]), // the state of 1 is still there: no watermark
            StopStream,
            StartStream(),
            AddData(input1, 5),
            CheckNewAnswer(),
            AddData(input2, 5),
            CheckNewAnswer([5, 10L, 10, 15])); // nothing filtered by a watermark
    }

    [Fact]
    public async Task StreamStreamInnerJoinOnWindows_WithWatermark()
    {
        var (input1, df1) = Stream("left", 2);
        var (input2, df2) = Stream("right", 3, watermark: false);
        var joined = df1.Select(Col("key"), Window(Col("leftTime"), "10 second"), Col("leftValue"))
            .Join(df2.Select(Col("key"), Window(Col("rightTime"), "10 second"), Col("rightValue")), ["key", "window"])
            .Select(Col("key"), Col("window.end").Cast("long"), Col("leftValue"), Col("rightValue"));

        await Session.TestStream(joined, OutputMode.Append).Run(
            AddData(input1, 1),
            CheckAnswer(),
            AssertNumStateRows(total: 1, updated: 1),
            AddData(input2, 1),
            CheckAnswer([1, 10L, 2, 3]),
            AssertNumStateRows(total: 2, updated: 1),
            StopStream,
            StartStream(),
            AddData(input1, 25),
            CheckNewAnswer(), // watermark 15: the no-data epoch removes both rows of window [0, 10)
            AssertNumStateRows(total: 1, updated: 1),
            AddData(input2, 25),
            CheckNewAnswer([25, 30L, 50, 75]),
            AssertNumStateRows(total: 2, updated: 1),
            StopStream,
            StartStream(),
            AddData(input2, 1),
            CheckNewAnswer(), // no join: below the watermark, removed
            AssertNumStateRows(total: 2, updated: 0), // not added: 1 is below the state key watermark 15
            AddData(input1, 5),
            CheckNewAnswer(),
            AssertNumStateRows(total: 2, updated: 0, droppedByWatermark: 1),
            AssertOnQuery(q => q.LastProgress!.StateOperators is [{ OperatorName: "symmetricHashJoin", MemoryUsedBytes: > 0, NumStateStoreInstances: > 0, CommitTimeMs: >= 0 }],
                "progress lists the join's state with Spark's operator name and sizes"));
    }

    [Theory]
    [InlineData("left_outer", new object?[] { 1, 10L, 2, null }, new object?[] { 2, 10L, 4, null })]
    [InlineData("right_outer", new object?[] { 6, 10L, null, 18 }, new object?[] { 7, 10L, null, 21 })]
    public async Task WindowedOuterJoin(string joinType, object?[] firstOuter, object?[] secondOuter)
    {
        var (leftInput, df1) = Stream("left", 2);
        var (rightInput, df2) = Stream("right", 3);
        var joined = df1.Select(Col("key"), Window(Col("leftTime"), "10 second"), Col("leftValue"))
            .Join(df2.Select(Col("key"), Window(Col("rightTime"), "10 second"), Col("rightValue")), ["key", "window"], joinType)
            .Select(Col("key"), Col("window.end").Cast("long"), Col("leftValue"), Col("rightValue"));

        await Session.TestStream(joined, OutputMode.Append).Run(
            AddData(leftInput, [1, 2, 3, 4, 5], rightInput, [3, 4, 5, 6, 7]),
            CheckNewAnswer([3, 10L, 6, 9], [4, 10L, 8, 12], [5, 10L, 10, 15]),
            AddData(leftInput, [21], rightInput, [22]), // watermark 11: the no-data epoch emits the null-padded rows
            CheckNewAnswer(firstOuter, secondOuter),
            AddData(leftInput, 22),
            CheckNewAnswer([22, 30L, 44, 66]));
    }

    // Spark's setupWindowedJoinWithLeftCondition: windows and keys equal (named through each side's DataFrame) and leftValue > 4;
    // the right value as a string, so that a null-padded side shows which side it is.
    private (MemoryStream<int>, MemoryStream<int>, DataFrame) WindowedJoinWithLeftCondition(string joinType)
    {
        var (leftInput, df1) = Stream("left", 2);
        var (rightInput, df2) = Stream("right", 3);
        var left = df1.Select(Col("key"), Window(Col("leftTime"), "10 second"), Col("leftValue"));
        var right = df2.Select(Col("key"), Window(Col("rightTime"), "10 second"), Col("rightValue").Cast("string"));
        var joined = left.Join(right, (left.Col("key") == right.Col("key")) & (left.Col("window") == right.Col("window")) & (Col("leftValue") > 4), joinType);
        var select = joinType == "left_semi"
            ? joined.Select(left.Col("key"), left.Col("window.end").Cast("long"), Col("leftValue"))
            : joined.Select(left.Col("key"), left.Col("window.end").Cast("long"), Col("leftValue"), right.Col("key"), right.Col("window.end").Cast("long"), Col("rightValue"));
        return (leftInput, rightInput, select);
    }

    [Fact]
    public async Task LeftSemiEarlyStateExclusionOnLeft()
    {
        var (leftInput, rightInput, joined) = WindowedJoinWithLeftCondition("left_semi");
        await Session.TestStream(joined, OutputMode.Append).Run(
            AddData(leftInput, [1, 2, 3], rightInput, [3, 4, 5]),
            CheckNewAnswer([3, 10L, 6]), // left rows with leftValue <= 4 never join
            AddData(leftInput, [20], rightInput, [21]),
            CheckNewAnswer(), // no more semi rows as the watermark moves
            AddData(rightInput, 20),
            CheckNewAnswer([20, 30L, 40]));
    }

    [Fact]
    public async Task FullOuterEarlyStateExclusionOnLeft()
    {
        var (leftInput, rightInput, joined) = WindowedJoinWithLeftCondition("full_outer");
        await Session.TestStream(joined, OutputMode.Append).Run(
            AddData(leftInput, [1, 2, 3], rightInput, [3, 4, 5]),
            // Left rows with leftValue <= 4 get their outer rows at once.
            CheckNewAnswer([1, 10L, 2, null, null, null], [2, 10L, 4, null, null, null], [3, 10L, 6, 3, 10L, "9"]),
            AddData(leftInput, [20], rightInput, [21]),
            CheckNewAnswer([null, null, null, 4, 10L, "12"], [null, null, null, 5, 10L, "15"]),
            AddData(rightInput, 20),
            CheckNewAnswer([20, 30L, 40, 20, 30L, "60"]));
    }

    [Fact]
    public async Task WindowedLeftSemiJoin()
    {
        var (leftInput, df1) = Stream("left", 2);
        var (rightInput, df2) = Stream("right", 3);
        var joined = df1.Select(Col("key"), Window(Col("leftTime"), "10 second"), Col("leftValue"))
            .Join(df2.Select(Col("key"), Window(Col("rightTime"), "10 second"), Col("rightValue")), ["key", "window"], "left_semi")
            .Select(Col("key"), Col("window.end").Cast("long"), Col("leftValue"));

        await Session.TestStream(joined, OutputMode.Append).Run(
            AddData(leftInput, [1, 2, 3, 4, 5], rightInput, [3, 4, 5, 6, 7]),
            CheckNewAnswer([3, 10L, 6], [4, 10L, 8], [5, 10L, 10]),
            AddData(leftInput, [21], rightInput, [22]), // watermark 11 removes window [0, 10)
            CheckNewAnswer(),
            AddData(leftInput, 22),
            CheckNewAnswer([22, 30L, 44]),
            StopStream,
            StartStream(),
            AddData(leftInput, 1), // below the state watermark
            CheckNewAnswer(),
            AddData(rightInput, 5),
            CheckNewAnswer());
    }

    [Fact]
    public async Task LeftSemiJoinWithWatermarkRangeCondition()
    {
        var (leftInput, rightInput, joined) = JoinWithRangeCondition("left_semi");
        await Session.TestStream(joined, OutputMode.Append).Run(
            AddData(leftInput, (1, 5), (3, 5)),
            CheckNewAnswer(),
            AddData(rightInput, (1, 10), (2, 5)),
            CheckNewAnswer([1, 5]),
            AddData(rightInput, (1, 9)),
            CheckNewAnswer(), // the left row matched already
            AddData(leftInput, (1, 7), (1, 30)),
            CheckNewAnswer([1, 7]),
            AddData(rightInput, (0, 30)),
            CheckNewAnswer());
    }

    [Fact]
    public async Task SelfLeftSemiJoin()
    {
        var (input, query) = SelfJoin("left_semi");
        await Session.TestStream(query, OutputMode.Append).Run(
            AddData(input, (1, 1L), (2, 2L), (3, 3L), (4, 4L), (5, 5L)),
            CheckNewAnswer([2, 2], [4, 4]),
            AddData(input, (6, 6L), (7, 7L), (8, 8L), (9, 9L), (10, 10L)),
            CheckNewAnswer([6, 6], [8, 8], [10, 10]),
            AddData(input, (11, 11L), (12, 12L), (13, 13L), (14, 14L), (15, 15L)),
            CheckNewAnswer([12, 12], [14, 14]));
    }
}
