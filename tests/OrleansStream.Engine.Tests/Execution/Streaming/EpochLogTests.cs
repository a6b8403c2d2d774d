using OrleansStream.Engine.Execution.Streaming;

namespace OrleansStream.Engine.Tests.Execution.Streaming;

public sealed class EpochLogTests
{
    private static OffsetLogRecord Record(long batchId, string end) => new()
    {
        BatchId = batchId, Start = new Dictionary<string, string?> { ["s"] = null }, End = new Dictionary<string, string?> { ["s"] = end },
        BatchTimestampMs = 1000 + batchId,
    };

    [Fact]
    public void OffsetLog_IsCreateIfAbsent_ASecondDecisionForABatchIdIsRefused()
    {
        var log = new OffsetLog();
        log.Add(Record(0, "5"));
        log.Add(Record(0, "5"));

        Assert.Throws<InvalidOperationException>(() => log.Add(Record(0, "6")));
        Assert.Equal("5", log.Get(0)!.End["s"]);
    }

    [Fact]
    public void Records_KeepABoundedNumberOfEpochsBehindTheLastCommit()
    {
        var records = new CheckpointRecords();
        for (var b = 0; b < 10; b++) records.Offsets.Add(Record(b, b.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        for (var b = 0; b < 8; b++) records.Commits.Add(new CommitLogRecord(b, 0));

        records.Trim(minBatchesToRetain: 3);

        Assert.Equal([4L, 5L, 6L, 7L, 8L, 9L], records.Offsets.BatchIds);
        Assert.Equal([4L, 5L, 6L, 7L], records.Commits.Records.Select(c => c.BatchId));
        Assert.Equal(7, records.LastCommitted);
    }

    [Fact]
    public void CommitLog_RefusesAnotherWatermarkForACommittedEpoch()
    {
        var log = new CommitLog();
        log.Add(new CommitLogRecord(0, 10));
        log.Add(new CommitLogRecord(0, 10));
        Assert.Throws<InvalidOperationException>(() => log.Add(new CommitLogRecord(0, 11)));
    }

    [Fact]
    public void EpochDue_NewData_OrAMovedWatermarkWithAnOperatorThatEvictsByIt()
    {
        var evicting = new EpochDuePolicy(new EpochQuery([], [new EpochOperator(0, "agg", EvictsByWatermark: true)], []));
        var notEvicting = new EpochDuePolicy(new EpochQuery([], [new EpochOperator(0, "agg", EvictsByWatermark: false)], []));
        var previous = Record(3, "9") with { WatermarkMs = 1000 };

        Assert.True(evicting.IsDue(hasNewData: true, previous, 1000));
        Assert.True(evicting.IsDue(hasNewData: false, previous, 2000));
        Assert.False(evicting.IsDue(hasNewData: false, previous, 1000));
        Assert.False(evicting.IsDue(hasNewData: false, previous: null, 2000));
        Assert.False(notEvicting.IsDue(hasNewData: false, previous, 2000));
    }

    [Fact]
    public void ProcessingTimeTrigger_AlignsToMultiplesOfTheInterval()
    {
        var trigger = TriggerPolicy.ProcessingTime(TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.FromSeconds(3), trigger.NextTriggerDelay(DateTimeOffset.FromUnixTimeSeconds(1_000_007)));
        Assert.True(trigger.WaitsAfterEpoch);
        Assert.False(trigger.StopsWhenIdle);
        Assert.True(TriggerPolicy.AvailableNow.StopsWhenIdle && TriggerPolicy.AvailableNow.CapturesBounds);
        Assert.True(TriggerPolicy.Once.StopsAfterEpoch);
        Assert.True(TriggerPolicy.ProcessingTime(TimeSpan.Zero).IsDefault);
    }
}
