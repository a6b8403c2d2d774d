using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>Joins in streaming queries: Spark's refusals at StartAsync in its words, stream-static joins, and an
/// aggregation over a stream-stream join's output.</summary>
[Collection(SessionCollection.Name)]
public sealed class StreamingJoinTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    private async Task<string> Refused(DataFrame frame, OutputMode mode)
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => frame.WriteStream.OutputMode(mode).Format("memory").QueryName("refused_" + Guid.NewGuid().ToString("N")).StartAsync());
        Assert.Empty(Session.Streams.Active);
        return ex.Message;
    }

    private DataFrame Stream(string prefix) =>
        Session.CreateMemoryStream<int>().ToDF().Select(Col("value").As("key"), (Col("value") * 2).As(prefix + "Value"));

    private DataFrame Static => Session.CreateDataFrame([[1, "one"], [2, "two"]], "key INT, name STRING");

    [Fact]
    public async Task StreamStaticJoinsSparkRefuses_AreRefusedAtStart_InSparksWords()
    {
        Assert.Contains("FullOuter joins with streaming DataFrames/Datasets on the left and a static DataFrame/Dataset on the right is not supported",
            await Refused(Stream("l").Join(Static, ["key"], "full_outer"), OutputMode.Append));
        Assert.Contains("LeftOuter join with a streaming DataFrame/Dataset on the right and a static DataFrame/Dataset on the left is not supported",
            await Refused(Static.Join(Stream("r"), ["key"], "left"), OutputMode.Append));
        Assert.Contains("RightOuter join with a streaming DataFrame/Dataset on the left and a static DataFrame/DataSet on the right not supported",
            await Refused(Stream("l").Join(Static, ["key"], "right"), OutputMode.Append));
        Assert.Contains("LeftAnti joins with a streaming DataFrame/Dataset on the right are not supported",
            await Refused(Static.Join(Stream("r"), ["key"], "left_anti"), OutputMode.Append));
    }

    [Fact]
    public async Task StreamStreamJoinOutsideAppend_IsRefusedAtStart_InSparksWords()
    {
        Assert.Contains("Join between two streaming DataFrames/Datasets is not supported in Update output mode, only in Append output mode",
            await Refused(Stream("l").Join(Stream("r"), "key"), OutputMode.Update));
    }

    [Fact]
    public async Task StreamStreamLeftOuterJoinWithoutWatermark_IsRefusedAtStart_InSparksWords()
    {
        Assert.Contains("Stream-stream LeftOuter join between two streaming DataFrame/Datasets is not supported without a watermark in the join keys, or a watermark on the nullable side and an appropriate range condition",
            await Refused(Stream("l").Join(Stream("r"), ["key"], "left_outer"), OutputMode.Append));
    }

    [Fact]
    public async Task WindowedAggregationOverAStreamStreamJoin_CountsJoinedRowsPerWindowOfEitherSidesEventTime()
    {
        var clicks = Session.CreateMemoryStream<(int, int)>();
        var impressions = Session.CreateMemoryStream<(int, int)>();
        var left = clicks.ToDF().ToDF("clickAd", "t").Select(Col("clickAd"), Col("t").Cast("timestamp").As("clickTime")).WithWatermark("clickTime", "10 seconds");
        var right = impressions.ToDF().ToDF("impAd", "t").Select(Col("impAd"), Col("t").Cast("timestamp").As("impTime")).WithWatermark("impTime", "10 seconds");
        var joined = left.Join(right, Expr("clickAd = impAd AND clickTime BETWEEN impTime AND impTime + interval 5 seconds"));
        var perWindow = joined.GroupBy(Window(Col("clickTime"), "10 seconds")).Count()
            .Select(Col("window.start").Cast("long").As("start"), Col("count"));

        await Session.TestStream(perWindow, OutputMode.Append).Run(
            AddData(impressions, (1, 1), (2, 2)),
            AddData(clicks, (1, 3), (2, 4), (3, 5)),
            CheckNewAnswer(),
            // Time 40 on both sides moves the watermark to 30: window [0, 10) is final with its two joined clicks.
            AddData(impressions, (9, 40)),
            AddData(clicks, (9, 40)),
            CheckNewAnswer([0L, 2L]));
    }

    [Fact]
    public async Task StreamStaticInnerAndLeftOuterJoins_MatchEachEpochsRowsAgainstTheWholeTable()
    {
        var input = Session.CreateMemoryStream<int>();
        var stream = input.ToDF().Select(Col("value").As("key"), (Col("value") * 10).As("amount"));
        await Session.TestStream(stream.Join(Static, "key"), OutputMode.Append).Run(
            AddData(input, 1, 3),
            CheckNewAnswer([1, 10, "one"]),
            AddData(input, 2, 2),
            CheckNewAnswer([2, 20, "two"], [2, 20, "two"]),
            // Nothing is kept between epochs: like Spark, progress lists no state operator for a stream-static join.
            AssertOnQuery(q => q.LastProgress!.StateOperators.Count == 0, "no state operator in progress"));

        var outer = Session.CreateMemoryStream<int>();
        var outerStream = outer.ToDF().Select(Col("value").As("key"));
        await Session.TestStream(outerStream.Join(Static, ["key"], "left_outer"), OutputMode.Append).Run(
            AddData(outer, 1, 3),
            CheckNewAnswer([1, "one"], [3, null]));
    }

    [Fact]
    public async Task StreamStreamJoinState_SurvivesARestartWithMorePartitions_MovingWithItsKeyGroups()
    {
        var left = Session.CreateMemoryStream<int>();
        var right = Session.CreateMemoryStream<int>();
        var joined = left.ToDF().Select(Col("value").As("key"), (Col("value") * 2).As("leftValue"))
            .Join(right.ToDF().Select(Col("value").As("key"), (Col("value") * 3).As("rightValue")), "key");
        StateOperatorProgress State(StreamingQuery q) => q.LastProgress!.StateOperators[0];
        var keys = Enumerable.Range(1, 40).ToArray();

        await Session.TestStream(joined, OutputMode.Append, new StreamTestOptions
        {
            QueryName = "join_rescale_" + Guid.NewGuid().ToString("N")[..8],
            Options = new Dictionary<string, string> { ["numStatePartitions"] = "2" },
        }).Run(
            AddData(left, keys),
            CheckNewAnswer(),
            AssertOnQuery(q => State(q).NumShufflePartitions == 2 && State(q).NumRowsTotal == 40, "40 left rows in 2 partitions"),
            StopStream,
            // Same checkpoint, five partitions: each key's buffered left rows move with its key group and still join.
            StartStream(options: new Dictionary<string, string> { ["numStatePartitions"] = "5" }),
            AddData(right, keys),
            CheckNewAnswer(keys.Select(k => new object[] { k, k * 2, k * 3 }).ToArray()),
            AssertOnQuery(q => State(q).NumShufflePartitions == 5 && State(q).NumRowsTotal == 80, "80 rows in 5 partitions"));
    }
}
