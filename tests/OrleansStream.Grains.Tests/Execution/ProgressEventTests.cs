using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansStream.Interfaces.Progress;

namespace OrleansStream.Grains.Tests.Execution;

/// <summary>
/// Progress reaches a client in the silo's process as the object it was written from (not parsed back from its JSON),
/// and a client in another process as the JSON, read into the same progress.
/// </summary>
public sealed class ProgressEventTests
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
    public void InTheSilosProcess_TheCopyOrleansMakesForALocalCall_IsTheSameObject()
    {
        var progress = Sample();
        var sent = new ProgressEvent(progress.Json, progress);
        var received = Services.GetRequiredService<DeepCopier>().Copy(sent);
        Assert.Same(progress, received.Progress);
    }

    [Fact]
    public void InAnotherProcess_TheJsonIsRead_IntoTheSameProgress()
    {
        var progress = Sample();
        var serializer = Services.GetRequiredService<Serializer>();
        var received = serializer.Deserialize<ProgressEvent>(serializer.SerializeToArray(new ProgressEvent(progress.Json, progress)))!;
        Assert.Equal(progress.Json, received.Json);
        Assert.NotSame(progress, received.Progress);
        Assert.Equal(progress.Json, received.Progress.Json);
        Assert.Equal(7, received.Progress.DurationMs["addBatch"]);
    }
}
