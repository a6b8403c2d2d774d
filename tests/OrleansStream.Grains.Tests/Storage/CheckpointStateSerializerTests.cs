using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansStream.Grains.Execution;
using OrleansStream.Grains.Storage;

namespace OrleansStream.Grains.Tests.Storage;

/// <summary>
/// The grain states are written in Orleans' binary format behind a marker, and records written as JSON by earlier versions
/// still load, so that upgrading a silo keeps every committed epoch.
/// </summary>
public sealed class CheckpointStateSerializerTests
{
    private static readonly IGrainStorageSerializer Json =
        new SystemTextJsonGrainStorageSerializer(Options.Create(new SystemTextJsonGrainStorageSerializerOptions()));

    private static CheckpointStateSerializer Create() =>
        new(new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>(), Json);

    private static TriggerState SampleState()
    {
        var state = new TriggerState { NumKeyGroups = 128, WatermarkPolicy = "min" };
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
        state.StatePartitions[0] = 2;
        state.EventTimeMaxMs[1] = 42_000;
        return state;
    }

    [Fact]
    public void TriggerState_RoundTripsInBinary_BehindTheMarker()
    {
        var serializer = Create();
        var data = serializer.Serialize(SampleState()).ToArray();

        Assert.Equal("OSB1"u8.ToArray(), data[..4]);
        Assert.NotEqual((byte)'{', data[4]);
        var back = serializer.Deserialize<TriggerState>(new BinaryData(data))!;
        Assert.Equal(128, back.NumKeyGroups);
        Assert.Equal("min", back.WatermarkPolicy);
        Assert.Equal([0L, 1L, 2L], back.Offsets.Keys);
        Assert.Equal(SampleState().Offsets[2].End, back.Offsets[2].End);
        Assert.Null(back.Offsets[0].Start["0"]);
        Assert.Equal(2000, back.Offsets[2].WatermarkMs);
        Assert.Equal(2, back.StatePartitions[0]);
        Assert.Equal(42_000, back.EventTimeMaxMs[1]);
    }

    [Fact]
    public void ARecordWrittenAsJsonByAnEarlierVersion_StillLoads()
    {
        var legacy = Json.Serialize(SampleState());

        var back = Create().Deserialize<TriggerState>(legacy)!;

        Assert.Equal([0L, 1L, 2L], back.Offsets.Keys);
        Assert.Equal(SampleState().Offsets[1].Start, back.Offsets[1].Start);
        Assert.Equal(42_000, back.EventTimeMaxMs[1]);
    }
}
