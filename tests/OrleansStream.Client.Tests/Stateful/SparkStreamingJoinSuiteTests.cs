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
            // The watermark moves to 20 s with time 30 on both inputs.
            AddData(leftInput, (1, 3), (1, 30)),
            CheckNewAnswer([1, 3, 10], [1, 3, 11]),
            AddData(rightInput, (0, 30)),
            CheckNewAnswer(),
            // (1, 20) is at the watermark and dropped; (1, 21) and (1, 28) match the left rows at 3 and 5, kept in state.
            AddData(rightInput, (1, 20), (1, 21), (1, 28)),
            CheckNewAnswer([1, 3, 21], [1, 5, 21], [1, 3, 28], [1, 5, 28]),
            // leftTime <= 20 is dropped by the watermark.
            AddData(leftInput, (1, 20), (1, 21)),
            CheckNewAnswer([1, 21, 28]));
    }
}
