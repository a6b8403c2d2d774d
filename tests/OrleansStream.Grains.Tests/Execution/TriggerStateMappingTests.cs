using OrleansStream.Engine.Execution.Streaming;
using OrleansStream.Grains.Execution;
using OrleansStream.Interfaces.Execution;

namespace OrleansStream.Grains.Tests.Execution;

/// <summary>The trigger's persisted state keeps its format; the coordinator's records map onto it and back without loss.</summary>
public sealed class TriggerStateMappingTests
{
    private static TriggerState Persisted()
    {
        var state = new TriggerState { NumKeyGroups = 128, WatermarkPolicy = "max" };
        for (long batch = 0; batch < 3; batch++)
        {
            state.Offsets[batch] = new OffsetRecord
            {
                BatchId = batch,
                Start = new() { ["0"] = batch == 0 ? null : $"{batch}" },
                End = new() { ["0"] = $"{batch + 1}" },
                BatchTimestampMs = 1_700_000_000_000 + batch,
                WatermarkMs = batch * 1000,
                LateWatermarkMs = Math.Max(0, batch - 1) * 1000,
                StatePartitions = new() { [0] = 4 },
                SourcePartitions = new() { ["0"] = 2 },
                StaticVersions = new() { ["static:0"] = $"[{{\"path\":\"/in/f{batch}.json\"}}]" },
            };
        }
        state.Commits[0] = new CommitRecord(0, 1000);
        state.Commits[1] = new CommitRecord(1, 2000);
        state.StatePartitions[0] = 4;
        state.EventTimeMaxMs[1] = 42_000;
        return state;
    }

    [Fact]
    public void Load_ThenApply_KeepsEveryRecordAndSetting()
    {
        var records = TriggerStateMapping.Load(Persisted());
        var state = new TriggerState();

        TriggerStateMapping.Apply(records, state);

        var expected = Persisted();
        Assert.Equal(expected.Offsets.Keys, state.Offsets.Keys);
        foreach (var (batch, offsets) in expected.Offsets)
        {
            var actual = state.Offsets[batch];
            Assert.Equal(offsets.Start, actual.Start);
            Assert.Equal(offsets.End, actual.End);
            Assert.Equal((offsets.BatchTimestampMs, offsets.WatermarkMs, offsets.LateWatermarkMs), (actual.BatchTimestampMs, actual.WatermarkMs, actual.LateWatermarkMs));
            Assert.Equal(offsets.StatePartitions, actual.StatePartitions);
            Assert.Equal(offsets.SourcePartitions, actual.SourcePartitions);
            Assert.Equal(offsets.StaticVersions, actual.StaticVersions);
        }
        Assert.Equal(expected.Commits, state.Commits);
        Assert.Equal((128, "max"), (state.NumKeyGroups, state.WatermarkPolicy));
        Assert.Equal(expected.StatePartitions, state.StatePartitions);
        Assert.Equal(expected.EventTimeMaxMs, state.EventTimeMaxMs);
        Assert.Equal(1, state.LastCommitted);
    }

    [Fact]
    public void Apply_AddsNewRecords_DropsTrimmedOnes_AndLeavesTheRunAndPlanningStateAlone()
    {
        var state = Persisted();
        state.Sources["0"] = new Sources.SourcePlanningState { StartMs = 5 };
        var records = TriggerStateMapping.Load(state);
        records.Offsets.Add(new OffsetLogRecord
        {
            BatchId = 3, Start = new Dictionary<string, string?> { ["0"] = "3" }, End = new Dictionary<string, string?> { ["0"] = "4" }, BatchTimestampMs = 9,
        });
        records.Commits.Add(new CommitLogRecord(2, 3000));
        records.Trim(minBatchesToRetain: 1);

        TriggerStateMapping.Apply(records, state);

        Assert.Equal([1L, 2L, 3L], state.Offsets.Keys);
        Assert.Equal([1L, 2L], state.Commits.Keys);
        Assert.Equal("4", state.Offsets[3].End["0"]);
        Assert.Equal(5, state.Sources["0"].StartMs);
    }
}
