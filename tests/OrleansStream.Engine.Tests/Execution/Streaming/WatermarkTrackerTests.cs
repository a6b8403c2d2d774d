using OrleansStream.Engine.Execution.Streaming;
using OrleansStream.Engine.Planning;

namespace OrleansStream.Engine.Tests.Execution.Streaming;

public sealed class WatermarkTrackerTests
{
    private static EventTimeStats Seconds(long max) => new(0, max * 1_000_000, 0, 1);

    [Fact]
    public void Next_IsTheMinimumOverEveryInput_MinusEachDelay_AndZeroUntilEveryInputHasData()
    {
        var records = new CheckpointRecords { WatermarkPolicy = "min" };
        var tracker = new WatermarkTracker([new WatermarkSpec(0, "a", 5000), new WatermarkSpec(1, "b", 1000)], records);

        // As in Spark, an input without data counts as watermark 0.
        Assert.Equal(0, tracker.Next(0, new Dictionary<int, EventTimeStats> { [0] = Seconds(20) }));
        Assert.Equal(15_000, tracker.Next(0, new Dictionary<int, EventTimeStats> { [1] = Seconds(30) }));
        // b's maximum stays 30 s: 29 s is now the slower input.
        Assert.Equal(29_000, tracker.Next(15_000, new Dictionary<int, EventTimeStats> { [0] = Seconds(40), [1] = Seconds(26) }));
    }

    [Fact]
    public void Next_WithPolicyMax_TakesTheMaximum_AndNeverMovesBackwards()
    {
        var records = new CheckpointRecords { WatermarkPolicy = "max" };
        var tracker = new WatermarkTracker([new WatermarkSpec(0, "a", 5000), new WatermarkSpec(1, "b", 1000)], records);

        Assert.Equal(29_000, tracker.Next(0, new Dictionary<int, EventTimeStats> { [0] = Seconds(20), [1] = Seconds(30) }));
        Assert.Equal(40_000, tracker.Next(40_000, new Dictionary<int, EventTimeStats> { [0] = Seconds(21) }));
        Assert.Equal(30_000, records.EventTimeMaxMs[1]);
    }

    [Fact]
    public void Next_WithoutWatermarks_KeepsTheCurrentValue() =>
        Assert.Equal(7, new WatermarkTracker([], new CheckpointRecords()).Next(7, new Dictionary<int, EventTimeStats> { [0] = Seconds(100) }));

    [Fact]
    public void Next_FloorsNegativeMicrosToMilliseconds()
    {
        var records = new CheckpointRecords();
        new WatermarkTracker([new WatermarkSpec(0, "a", 0)], records).Next(long.MinValue, new Dictionary<int, EventTimeStats> { [0] = new(0, -1500, 0, 1) });
        Assert.Equal(-2, records.EventTimeMaxMs[0]);
    }
}
