using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>
/// Event-time window aggregations, scripted epoch by epoch. Input values are seconds since the Unix epoch; the windows are
/// 5 seconds and the watermark delay 10 seconds, so after an epoch whose latest event is at t the watermark is t - 10.
/// Spark's rules: the watermark in force in epoch e was computed at the end of e - 1; input late against the previous
/// epoch's watermark is dropped; a window is final when its end is at or below the watermark.
/// </summary>
public abstract class WindowAggregationTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    private static readonly StreamTestOptions Windows = new() { Render = rows => Scenario.Windows(rows) };

    private DataFrame Windowed(MemoryStream<long> input) => input.ToDF()
        .WithColumn("eventTime", Col("value").Cast("timestamp"))
        .WithWatermark("eventTime", "10 seconds")
        .GroupBy(Window(Col("eventTime"), "5 seconds"))
        .Agg(Count().As("count"));

    [Fact]
    public async Task Append_EmitsEachWindowOnceWhenTheWatermarkPassesItsEnd_AndDropsLateRows()
    {
        var input = Session.CreateMemoryStream<long>();
        StateOperatorProgress State(StreamingQuery q) => q.LastProgress!.StateOperators[0];
        await Session.TestStream(Windowed(input), OutputMode.Append, Windows).Run(
            // epoch | input             | watermark used | state after           | emitted
            // 0     | 10 11 12 13 14 15 | 0              | [10,15):5 [15,20):1   | -        (watermark becomes 5; the no-data epoch evicts nothing)
            AddData(input, 10, 11, 12, 13, 14, 15),
            CheckAnswer(),
            // 2     | 25                | 5              | + [25,30):1           | -        (watermark becomes 15)
            // 3     | (no data)         | 15             | [15,20):1 [25,30):1   | [10,15):5
            AddData(input, 25),
            CheckAnswer("10-15:5"),
            AssertOnQuery(q => State(q).NumRowsTotal == 2, "2 windows in state"),
            // 4     | 10 (late: its window ends at 15 <= 15) | 15 | unchanged        | -
            AddData(input, 10),
            CheckAnswer("10-15:5"),
            AssertOnQuery(q => State(q).NumRowsDroppedByWatermark == 1 && State(q).NumRowsTotal == 2
                && q.LastProgress!.EventTime["watermark"] == "1970-01-01T00:00:15.000Z", "the late row dropped, watermark 15"),
            // 5     | 40                | 15             | + [40,45):1           | -        (watermark becomes 30)
            // 6     | (no data)         | 30             | [40,45):1             | [15,20):1 [25,30):1
            AddData(input, 40),
            CheckAnswer("10-15:5", "15-20:1", "25-30:1"));
    }

    [Fact]
    public async Task Update_EmitsChangedWindowsEveryEpoch_AndEvictsFinalOnes()
    {
        var input = Session.CreateMemoryStream<long>();
        StateOperatorProgress State(StreamingQuery q) => q.LastProgress!.StateOperators[0];
        await Session.TestStream(Windowed(input), OutputMode.Update, Windows).Run(
            // epoch 0: both windows change and are emitted
            AddData(input, 10, 11, 12, 13, 14, 15),
            CheckAnswer("10-15:5", "15-20:1"),
            // epoch 1 emits [25,30):1; the no-data epoch with watermark 15 evicts [10,15) without emitting
            AddData(input, 25),
            CheckAnswer("10-15:5", "15-20:1", "25-30:1"),
            AssertOnQuery(q => State(q).NumRowsRemoved == 1, "[10,15) evicted"),
            // 10 is late and dropped; 16 and 17 update [15,20) to 3
            AddData(input, 10, 16, 17),
            CheckAnswer("10-15:5", "15-20:1", "15-20:3", "25-30:1"),
            AssertOnQuery(q => State(q).NumRowsDroppedByWatermark == 1, "the late row dropped"));
    }

    [Fact]
    public async Task SlidingWindows_CountARowInEveryWindowThatContainsIt()
    {
        var input = Session.CreateMemoryStream<long>();
        var query = await input.ToDF()
            .WithColumn("eventTime", Col("value").Cast("timestamp"))
            .GroupBy(Window(Col("eventTime"), "10 seconds", "5 seconds"))
            .Agg(Count().As("n"), Sum("value").As("total"))
            .WriteStream.OutputMode(OutputMode.Complete).Format("memory").QueryName("sliding_windows").StartAsync();

        // 12 falls in [5,15) and [10,20); 17 in [10,20) and [15,25)
        await input.AddDataAsync(12, 17);
        await query.ProcessAllAvailableAsync();
        Assert.Equal(["10-20:2:29", "15-25:1:17", "5-15:1:12"], Scenario.Windows(await Session.Table("sliding_windows").CollectAsync()));
        // Complete mode replaces the table with every window each epoch: 8 adds [0,10) and joins [5,15).
        await input.AddDataAsync(8);
        await query.ProcessAllAvailableAsync();
        Assert.Equal(["0-10:1:8", "10-20:2:29", "15-25:1:17", "5-15:2:20"], Scenario.Windows(await Session.Table("sliding_windows").CollectAsync()));
        await query.StopAsync();
    }

    [Fact]
    public async Task ChainedWindowAggregations_InAppendMode_RollFiveSecondCountsIntoTenSecondWindows()
    {
        var input = Session.CreateMemoryStream<long>();
        var fine = input.ToDF()
            .WithColumn("eventTime", Col("value").Cast("timestamp"))
            .WithWatermark("eventTime", "0 seconds")
            .GroupBy(Window(Col("eventTime"), "5 seconds"))
            .Agg(Count().As("n"));
        var coarse = fine.GroupBy(Window(Col("window"), "10 seconds")).Agg(Sum("n").As("events"), Count().As("windows"));
        var query = await coarse.WriteStream.OutputMode(OutputMode.Append).Format("memory").QueryName("chained_windows").StartAsync();

        // 1, 2, 6 fill [0,5):2 and [5,10):1; the watermark becomes 6, so nothing is final yet
        await input.AddDataAsync(1, 2, 6);
        await query.ProcessAllAvailableAsync();
        Assert.Empty(await Session.Table("chained_windows").CollectAsync());
        // 21 moves the watermark to 21: the first operator emits [0,5) and [5,10) (window_time 4.999 and 9.999), the
        // second rolls them into [0,10) which is final too: 3 events in 2 five-second windows
        await input.AddDataAsync(21);
        await query.ProcessAllAvailableAsync();
        Assert.Equal(["0-10:3:2"], Scenario.Windows(await Session.Table("chained_windows").CollectAsync()));
        Assert.Equal(2, query.LastProgress!.StateOperators.Count);
        await query.StopAsync();
    }
}

[Collection(SessionCollection.Name)]
public sealed class WindowAggregationOnFileSystem(SessionFixture fixture) : WindowAggregationTests(fixture);

[Collection(BlobSessionCollection.Name)]
public sealed class WindowAggregationOnAzureBlob(BlobSessionFixture fixture) : WindowAggregationTests(fixture);
