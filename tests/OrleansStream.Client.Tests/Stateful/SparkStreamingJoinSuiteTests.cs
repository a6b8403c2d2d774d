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
}
