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
        Assert.Equal(0, tracker.Next(0, 0, new Dictionary<int, EventTimeStats> { [0] = Seconds(20) }));
        Assert.Equal(15_000, tracker.Next(1, 0, new Dictionary<int, EventTimeStats> { [1] = Seconds(30) }));
        // b's maximum stays 30 s: 29 s is now the slower input.
        Assert.Equal(29_000, tracker.Next(2, 15_000, new Dictionary<int, EventTimeStats> { [0] = Seconds(40), [1] = Seconds(26) }));
    }

    [Fact]
    public void Next_WithPolicyMax_TakesTheMaximum_AndNeverMovesBackwards()
    {
        var records = new CheckpointRecords { WatermarkPolicy = "max" };
        var tracker = new WatermarkTracker([new WatermarkSpec(0, "a", 5000), new WatermarkSpec(1, "b", 1000)], records);

        Assert.Equal(29_000, tracker.Next(0, 0, new Dictionary<int, EventTimeStats> { [0] = Seconds(20), [1] = Seconds(30) }));
        Assert.Equal(40_000, tracker.Next(1, 40_000, new Dictionary<int, EventTimeStats> { [0] = Seconds(21) }));
        tracker.OnCommitted(1);
        Assert.Equal(30_000, records.EventTimeMaxMs[1]);
    }

    [Fact]
    public void Next_WithoutWatermarks_KeepsTheCurrentValue() =>
        Assert.Equal(7, new WatermarkTracker([], new CheckpointRecords()).Next(0, 7, new Dictionary<int, EventTimeStats> { [0] = Seconds(100) }));

    [Fact]
    public void Next_FloorsNegativeMicrosToMilliseconds()
    {
        var records = new CheckpointRecords();
        var tracker = new WatermarkTracker([new WatermarkSpec(0, "a", 0)], records);
        tracker.Next(0, long.MinValue, new Dictionary<int, EventTimeStats> { [0] = new(0, -1500, 0, 1) });
        tracker.OnCommitted(0);
        Assert.Equal(-2, records.EventTimeMaxMs[0]);
    }

    // The records keep the maxima as of the last committed epoch: a restart runs the epochs after it again and must find
    // the maxima as they were before them, or an epoch run again would see a later epoch's event times.
    [Fact]
    public void Records_TakeAnEpochsMaxima_OnlyWhenItCommits_AndAResetGoesBackToThem()
    {
        var records = new CheckpointRecords { WatermarkPolicy = "min" };
        var tracker = new WatermarkTracker([new WatermarkSpec(0, "a", 5000)], records);

        Assert.Equal(15_000, tracker.Next(4, 0, new Dictionary<int, EventTimeStats> { [0] = Seconds(20) }));
        Assert.Equal(25_000, tracker.Next(5, 15_000, new Dictionary<int, EventTimeStats> { [0] = Seconds(30) }));
        Assert.Empty(records.EventTimeMaxMs);
        tracker.OnCommitted(4);
        Assert.Equal(20_000, records.EventTimeMaxMs[0]);

        // Epoch 5 runs again (it never committed): from epoch 4's maxima, not its own first run's.
        tracker.Reset();
        Assert.Equal(20_000, tracker.Next(5, 15_000, new Dictionary<int, EventTimeStats> { [0] = Seconds(25) }));
        tracker.OnCommitted(5);
        Assert.Equal(25_000, records.EventTimeMaxMs[0]);
    }
}
