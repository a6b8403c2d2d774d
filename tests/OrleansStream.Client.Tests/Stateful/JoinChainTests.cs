using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>Two stream-stream joins in a row (issue 19 item 6): impressions joined with their clicks, and those with the
/// conversions that follow the click, each join keeping its own state across a restart.</summary>
[Collection(SessionCollection.Name)]
public sealed class JoinChainTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    private static DataFrame Events(MemoryStream<(int, int)> input, string name) =>
        input.ToDF().ToDF(name + "Ad", "t").Select(Col(name + "Ad"), Col("t").Cast("timestamp").As(name + "Time")).WithWatermark(name + "Time", "10 seconds");

    [Fact]
    public async Task TwoStreamStreamJoinsInARow_MatchAcrossBothStatesAndARestart()
    {
        var impressions = Session.CreateMemoryStream<(int, int)>();
        var clicks = Session.CreateMemoryStream<(int, int)>();
        var conversions = Session.CreateMemoryStream<(int, int)>();
        var clicked = Events(impressions, "imp").Join(Events(clicks, "click"),
            Expr("impAd = clickAd AND clickTime BETWEEN impTime AND impTime + INTERVAL 10 SECONDS"));
        var converted = clicked.Join(Events(conversions, "conv"),
                Expr("clickAd = convAd AND convTime BETWEEN clickTime AND clickTime + INTERVAL 20 SECONDS"))
            .Select(Col("impAd"), Col("impTime").Cast("int"), Col("clickTime").Cast("int"), Col("convTime").Cast("int"));

        await Session.TestStream(converted, OutputMode.Append).Run(
            AddData(impressions, (1, 1), (2, 2)),
            // Ad 1's click is 4 s after its impression; ad 2's comes 28 s after, too late to count.
            AddData(clicks, (1, 5), (2, 30)),
            CheckNewAnswer(),
            AddData(conversions, (1, 20), (2, 31)),
            CheckNewAnswer([1, 1, 5, 20]),
            AssertOnQuery(q => q.LastProgress!.StateOperators.Count == 2 && q.LastProgress.StateOperators.All(o => o.OperatorName == "symmetricHashJoin"),
                "both joins report their state"),
            StopStream,
            StartStream(),
            // The first join's output row (ad 1, clicked at 5) waits in the second join's state across the restart.
            AddData(conversions, (1, 24)),
            CheckNewAnswer([1, 1, 5, 24]),
            // A click at 12 is 11 s after the impression at 1 (too late) and 2 s after a new one at 10; the joined row reaches
            // both conversions kept in the second join's state (20 and 24 are within 20 s of 12).
            AddData(impressions, (1, 10)),
            AddData(clicks, (1, 12)),
            CheckNewAnswer([1, 10, 12, 20], [1, 10, 12, 24]));
    }
}
