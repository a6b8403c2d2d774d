using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansStream.Grains.Execution;
using OrleansStream.Grains.Sources;
using OrleansStream.Grains.Storage;
using OrleansStream.Interfaces.Execution;
using OrleansStream.Interfaces.Queries;

namespace OrleansStream.Grains.Tests.Storage;

/// <summary>
/// The grain states are written in Orleans' binary format behind a marker, the trigger's in its own parts ("OST1"), and
/// records written by earlier versions (JSON, or the trigger's whole state in binary, "OSB1") still load, so that upgrading
/// a silo keeps every committed epoch.
/// </summary>
public sealed class CheckpointStateSerializerTests
{
    private static readonly IGrainStorageSerializer Json =
        new SystemTextJsonGrainStorageSerializer(Options.Create(new SystemTextJsonGrainStorageSerializerOptions()));

    private static CheckpointStateSerializer Create() =>
        new(new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>(), Json);

    private static TriggerState SampleState()
    {
        var state = new TriggerState { NumKeyGroups = 128, WatermarkPolicy = "min", LastRunError = "the sink refused batch 2" };
        for (long batch = 0; batch < 3; batch++)
        {
            state.Offsets[batch] = new OffsetRecord
            {
                BatchId = batch,
                Start = new() { ["0"] = batch == 0 ? null : $"{{\"rows\":{batch * 100}}}" },
                End = new() { ["0"] = $"{{\"rows\":{(batch + 1) * 100}}}" },
                BatchTimestampMs = 1_700_000_000_000 + batch,
                WatermarkMs = batch * 1000,
            };
        }
        state.Commits[0] = new CommitRecord(0, 500);
        state.Commits[1] = new CommitRecord(1, 1500);
        state.StatePartitions[0] = 2;
        state.EventTimeMaxMs[1] = 42_000;
        state.Sources["0"] = new SourcePlanningState();
        return state;
    }

    private static void AssertSample(TriggerState back)
    {
        Assert.Equal(128, back.NumKeyGroups);
        Assert.Equal("min", back.WatermarkPolicy);
        Assert.Equal("the sink refused batch 2", back.LastRunError);
        Assert.Equal([0L, 1L, 2L], back.Offsets.Keys);
        Assert.Equal(SampleState().Offsets[2].End, back.Offsets[2].End);
        Assert.Equal(SampleState().Offsets[1].Start, back.Offsets[1].Start);
        Assert.Null(back.Offsets[0].Start["0"]);
        Assert.Equal(2000, back.Offsets[2].WatermarkMs);
        Assert.Equal(1_700_000_000_002, back.Offsets[2].BatchTimestampMs);
        Assert.Equal([new CommitRecord(0, 500), new CommitRecord(1, 1500)], back.Commits.Values);
        Assert.Equal(1, back.LastCommitted);
        Assert.Equal(2, back.StatePartitions[0]);
        Assert.Equal(42_000, back.EventTimeMaxMs[1]);
        Assert.Equal(["0"], back.Sources.Keys);
    }

    [Fact]
    public void TriggerState_RoundTripsInItsOwnFormat()
    {
        var serializer = Create();
        var data = serializer.Serialize(SampleState()).ToArray();

        Assert.Equal("OST1"u8.ToArray(), data[..4]);
        AssertSample(serializer.Deserialize<TriggerState>(new BinaryData(data))!);
        // Another silo (no parts kept from the write) reads it the same.
        AssertSample(Create().Deserialize<TriggerState>(new BinaryData(data))!);
    }

    [Fact]
    public void TriggerState_InARentedArray_IsTheSameRecord_AndOtherStatesAreNotRented()
    {
        var serializer = Create();
        var state = SampleState();
        var whole = serializer.Serialize(state).ToArray();
        byte[] rentedBytes;
        using (var rented = serializer.SerializeRented(state)!)
            rentedBytes = rented.Memory.ToArray();

        Assert.Equal(whole, rentedBytes);
        AssertSample(Create().Deserialize<TriggerState>(new BinaryData(rentedBytes))!);
        Assert.Null(serializer.SerializeRented(new OrleansStream.Grains.Queries.QueryCatalogState()));
    }

    [Fact]
    public void ATriggerRecordInTheBinaryFormatBefore_StillLoads()
    {
        // What the serializer wrote for the trigger before "OST1": the whole state in Orleans' binary format behind "OSB1".
        var orleans = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        var old = "OSB1"u8.ToArray().Concat(orleans.SerializeToArray(SampleState())).ToArray();

        var serializer = Create();
        var back = serializer.Deserialize<TriggerState>(new BinaryData(old))!;

        AssertSample(back);
        // And the next write of it is in the new format, which loads the same.
        var rewritten = serializer.Serialize(back).ToArray();
        Assert.Equal("OST1"u8.ToArray(), rewritten[..4]);
        AssertSample(Create().Deserialize<TriggerState>(new BinaryData(rewritten))!);
    }

    [Fact]
    public void EpochsWrittenOneAfterAnother_EncodeAsAFreshSerializerWould()
    {
        // The trigger's writes: a new offset record (write-ahead), then its commit, the oldest trimmed, event time moved on.
        // Parts kept from earlier writes must give the bytes a serializer that never saw them gives, and load back.
        var serializer = Create();
        var state = SampleState();
        state.ActiveRun = new RunRequest(Guid.NewGuid(), Guid.NewGuid(), new QuerySpec
        {
            PlanJson = "{}", SinkFormat = "memory", OutputMode = "append", Trigger = TriggerSpec.Default,
            Options = new Dictionary<string, string> { ["checkpointLocation"] = "chk" }, QueryName = "q", CheckpointLocation = "chk",
        }, null);
        serializer.Serialize(state);
        for (long batch = 3; batch < 6; batch++)
        {
            state.Offsets[batch] = new OffsetRecord
            {
                BatchId = batch, Start = new() { ["0"] = $"{batch}" }, End = new() { ["0"] = $"{batch + 1}" }, BatchTimestampMs = batch,
            };
            Assert.Equal(Create().Serialize(state).ToArray(), serializer.Serialize(state).ToArray());
            state.Commits[batch] = new CommitRecord(batch, batch * 1000);
            state.Offsets.Remove(batch - 3);
            state.Commits.Remove(batch - 3);
            state.EventTimeMaxMs[1] = batch * 1000;
            var data = serializer.Serialize(state).ToArray();
            Assert.Equal(Create().Serialize(state).ToArray(), data);

            var back = Create().Deserialize<TriggerState>(new BinaryData(data))!;
            Assert.Equal(state.Offsets.Keys, back.Offsets.Keys);
            Assert.Equal($"{batch + 1}", back.Offsets[batch].End["0"]);
            Assert.Equal(state.Commits.Values, back.Commits.Values);
            Assert.Equal(batch * 1000, back.EventTimeMaxMs[1]);
            Assert.Equal(state.ActiveRun.RunId, back.ActiveRun!.RunId);
            Assert.Equal("q", back.ActiveRun.Spec.QueryName);
        }
    }

    [Fact]
    public void ATriggerRecordCutShort_IsRefused_NotReadInPart()
    {
        var serializer = Create();
        var data = serializer.Serialize(SampleState()).ToArray();

        Assert.Throws<InvalidDataException>(() => serializer.Deserialize<TriggerState>(new BinaryData(data[..^8])));
        Assert.Throws<InvalidDataException>(() => serializer.Deserialize<TriggerState>(new BinaryData(data.Concat(new byte[3]).ToArray())));
    }

    [Fact]
    public void ARecordWrittenAsJsonByAnEarlierVersion_StillLoads()
    {
        var legacy = Json.Serialize(SampleState());

        AssertSample(Create().Deserialize<TriggerState>(legacy)!);
    }
}
