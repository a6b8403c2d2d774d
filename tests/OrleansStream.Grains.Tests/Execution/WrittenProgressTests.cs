using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansStream.Interfaces.Progress;

namespace OrleansStream.Grains.Tests.Execution;

/// <summary>
/// Progress reaches a client in the silo's process as the object it was written from (not parsed back from its JSON),
/// and a client in another process as the JSON, read into the same progress; on the wire it is the JSON string the
/// observer's message always carried.
/// </summary>
public sealed class WrittenProgressTests
{
    private static readonly IServiceProvider Services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    private static StreamingQueryProgress Sample() => new()
    {
        Id = Guid.NewGuid(), RunId = Guid.NewGuid(), Name = "q12", Timestamp = "2026-12-05T18:00:00.000Z", BatchId = 7, BatchDuration = 12,
        NumInputRows = 200_000, InputRowsPerSecond = 1.5e7, ProcessedRowsPerSecond = double.NaN,
        DurationMs = new() { ["addBatch"] = 7, ["walCommit"] = 3, ["triggerExecution"] = 12 },
        StateOperators = [new StateOperatorProgress { OperatorName = "stateStoreSave", NumRowsTotal = 5, CustomMetrics = new() { ["stateBytesWritten"] = 100 } }],
        Sources = [new SourceProgress { Description = "nexmark", NumInputRows = 200_000 }],
        Sink = new SinkProgress { Description = "noop", NumOutputRows = 3 },
    };

    [Fact]
    public void InTheSilosProcess_TheJsonOrleansHandsOverForALocalCall_ReadsAsTheSameObject()
    {
        var progress = Sample();
        var json = WrittenProgress.Write(progress);
        Assert.Equal(progress.Json, json);
        var received = Services.GetRequiredService<DeepCopier>().Copy(json);
        Assert.Same(progress, WrittenProgress.Read(received));
    }

    [Fact]
    public void InAnotherProcess_TheJsonIsRead_IntoTheSameProgress()
    {
        var progress = Sample();
        var serializer = Services.GetRequiredService<Serializer>();
        var received = serializer.Deserialize<string>(serializer.SerializeToArray(WrittenProgress.Write(progress)))!;
        var read = WrittenProgress.Read(received);
        Assert.NotSame(progress, read);
        Assert.Equal(progress.Json, read.Json);
        Assert.Equal(7, read.DurationMs["addBatch"]);
    }

    [Fact]
    public void JsonOfTheSameText_NotWrittenHere_IsRead()
    {
        var progress = Sample();
        var json = WrittenProgress.Write(progress);
        Assert.NotSame(progress, WrittenProgress.Read(new string(json.AsSpan())));
    }
}
