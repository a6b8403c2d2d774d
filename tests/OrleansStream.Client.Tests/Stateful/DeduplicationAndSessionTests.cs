using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>dropDuplicates (with and without watermark), dropDuplicatesWithinWatermark, session windows, dedup into aggregation.</summary>
public abstract class DeduplicationAndSessionTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    [Fact]
    public async Task DropDuplicates_WithoutWatermark_KeepsTheFirstRowOfEveryKeyForever()
    {
        var input = Session.CreateMemoryStream<(string, int)>();
        var query = await input.ToDF().DropDuplicates("_1").WriteStream.Format("memory").QueryName("dedup_forever").StartAsync();
        await input.AddDataAsync(("a", 1), ("a", 2), ("b", 3));
        await query.ProcessAllAvailableAsync();
        await input.AddDataAsync(("a", 5), ("c", 6));
        await query.ProcessAllAvailableAsync();
        Assert.Equal(["a:1", "b:3", "c:6"], Scenario.Plain(await Session.Table("dedup_forever").CollectAsync()));
        Assert.Equal(3, query.LastProgress!.StateOperators[0].NumRowsTotal);
        Assert.Equal("dedupe", query.LastProgress.StateOperators[0].OperatorName);
        await query.StopAsync();
    }

    [Fact]
    public async Task DropDuplicates_OnKeyAndEventTime_EvictsKeysBelowTheWatermark()
    {
        var input = Session.CreateMemoryStream<(string, long)>();
        var query = await input.ToDF()
            .WithColumn("eventTime", Col("_2").Cast("timestamp"))
            .WithWatermark("eventTime", "5 seconds")
            .DropDuplicates("_1", "eventTime")
            .Select("_1", "_2")
            .WriteStream.Format("memory").QueryName("dedup_watermark").StartAsync();

        // epoch 0: (a,10) twice -> once; (b,20). Watermark becomes 15; the no-data epoch evicts (a,10).
        await input.AddDataAsync(("a", 10), ("a", 10), ("b", 20));
        await query.ProcessAllAvailableAsync();
        Assert.Equal(1, query.LastProgress!.StateOperators[0].NumRowsTotal);
        // (a,10) is now late (10 <= 15) and dropped; (b,20) is a duplicate; (a,25) is new.
        await input.AddDataAsync(("a", 10), ("b", 20), ("a", 25));
        await query.ProcessAllAvailableAsync();
        Assert.Equal(["a:10", "a:25", "b:20"], Scenario.Plain(await Session.Table("dedup_watermark").CollectAsync()));
        await query.StopAsync();
    }

    [Fact]
    public async Task DropDuplicatesWithinWatermark_ForgetsAKeyOnceItsEventTimePlusDelayIsBelowTheWatermark()
    {
        var input = Session.CreateMemoryStream<(string, long)>();
        var query = await input.ToDF()
            .WithColumn("eventTime", Col("_2").Cast("timestamp"))
            .WithWatermark("eventTime", "5 seconds")
            .DropDuplicatesWithinWatermark("_1")
            .Select("_1", "_2")
            .WriteStream.Format("memory").QueryName("dedup_within").StartAsync();

        // (a,10) kept until the watermark reaches 15; (a,12) is a duplicate within it.
        await input.AddDataAsync(("a", 10), ("a", 12));
        await query.ProcessAllAvailableAsync();
        // (b,30) moves the watermark to 25: the no-data epoch forgets a.
        await input.AddDataAsync(("b", 30));
        await query.ProcessAllAvailableAsync();
        // (a,28) is on time (28 > 25) and a is forgotten: it passes.
        await input.AddDataAsync(("a", 28));
        await query.ProcessAllAvailableAsync();
        Assert.Equal(["a:10", "a:28", "b:30"], Scenario.Plain(await Session.Table("dedup_within").CollectAsync()));
        await query.StopAsync();
    }

    [Fact]
    public async Task SessionWindows_MergeAcrossEpochs_AndAreEmittedOnceFinal()
    {
        var input = Session.CreateMemoryStream<(string, long)>();
        var query = await input.ToDF()
            .WithColumn("eventTime", Col("_2").Cast("timestamp"))
            .WithWatermark("eventTime", "2 seconds")
            .GroupBy(SessionWindow(Col("eventTime"), "5 seconds"), Col("_1"))
            .Agg(Count().As("n"))
            .WriteStream.OutputMode(OutputMode.Append).Format("memory").QueryName("sessions").StartAsync();

        // a: 1 and 3 -> [1,8); b: 2 -> [2,7); a: 10 -> [10,15). Watermark becomes 8: [1,8) and [2,7) are final.
        await input.AddDataAsync(("a", 1), ("a", 3), ("b", 2), ("a", 10));
        await query.ProcessAllAvailableAsync();
        Assert.Equal(["1-8:a:2", "2-7:b:1"], Scenario.Windows(await Session.Table("sessions").CollectAsync(), "session_window"));
        // a: 13 -> [13,18) overlaps [10,15): one session [10,18) of 2. Watermark 11: not final.
        await input.AddDataAsync(("a", 13));
        await query.ProcessAllAvailableAsync();
        Assert.Equal(2, (await Session.Table("sessions").CollectAsync()).Count);
        // 30 moves the watermark to 28: [10,18) is emitted once.
        await input.AddDataAsync(("c", 30));
        await query.ProcessAllAvailableAsync();
        Assert.Equal(["1-8:a:2", "10-18:a:2", "2-7:b:1"], Scenario.Windows(await Session.Table("sessions").CollectAsync(), "session_window"));
        await query.StopAsync();
    }

    [Fact]
    public async Task SessionWindow_WithAPerRowGap_DropsRowsWhoseGapIsNotPositive()
    {
        var input = Session.CreateMemoryStream<(string, long)>();
        var gap = When(Col("_1") == "slow", "10 seconds").When(Col("_1") == "none", "0 seconds").Otherwise("2 seconds");
        var query = await input.ToDF()
            .WithColumn("eventTime", Col("_2").Cast("timestamp"))
            .GroupBy(SessionWindow(Col("eventTime"), gap), Col("_1"))
            .Count()
            .WriteStream.OutputMode(OutputMode.Complete).Format("memory").QueryName("dynamic_sessions").StartAsync();
        await input.AddDataAsync(("slow", 1), ("slow", 9), ("fast", 1), ("fast", 4), ("none", 5));
        await query.ProcessAllAvailableAsync();
        Assert.Equal(["1-19:slow:2", "1-3:fast:1", "4-6:fast:1"], Scenario.Windows(await Session.Table("dynamic_sessions").CollectAsync(), "session_window"));
        await query.StopAsync();
    }

    [Fact]
    public async Task DedupIntoWindowAggregation_InAppendMode()
    {
        var input = Session.CreateMemoryStream<(string, long)>();
        var query = await input.ToDF()
            .WithColumn("eventTime", Col("_2").Cast("timestamp"))
            .WithWatermark("eventTime", "0 seconds")
            .DropDuplicates("_1", "eventTime")
            .GroupBy(Window(Col("eventTime"), "10 seconds"))
            .Count()
            .WriteStream.OutputMode(OutputMode.Append).Format("memory").QueryName("dedup_then_count").StartAsync();
        await input.AddDataAsync(("a", 1), ("a", 1), ("b", 2), ("a", 3));
        await input.AddDataAsync(("z", 50));
        await query.ProcessAllAvailableAsync();
        Assert.Equal(["0-10:3"], Scenario.Windows(await Session.Table("dedup_then_count").CollectAsync()));
        await query.StopAsync();
    }
}

[Collection(SessionCollection.Name)]
public sealed class DeduplicationAndSessionOnFileSystem(SessionFixture fixture) : DeduplicationAndSessionTests(fixture);

[Collection(BlobSessionCollection.Name)]
public sealed class DeduplicationAndSessionOnAzureBlob(BlobSessionFixture fixture) : DeduplicationAndSessionTests(fixture);
