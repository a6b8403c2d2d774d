using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansStream.Engine.Execution.Streaming;
using OrleansStream.Engine.Telemetry;
using OrleansStream.Engine.Tests.Execution.Streaming;

namespace OrleansStream.Engine.Tests.Telemetry;

/// <summary>The coordinator's epoch spans over the fake runtime, failures included.</summary>
public sealed class EpochSpanTests
{
    [Fact]
    public async Task FailedAttempt_IsAnErrorSpan_AndTheRetriesAreSpansWithoutAPlanPhase()
    {
        var queryId = Guid.NewGuid();
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == StreamingTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        // Planned in line: an epoch planned ahead starts its span inside the one before (EpochCoordinatorPlanAheadTests).
        var world = new FakeEpochWorld { Telemetry = new QueryTelemetry(queryId, "spans", Guid.NewGuid()), PlanAhead = false };
        world.Input.AddRange([1, 2, 3, 4, 5, 6]);
        // Epoch 2 fails after its partitions: epochs 0 and 1 (run, not committed: a partition answers an epoch once its
        // version two epochs before is durable) run again before it.
        world.FaultAt(EpochStep.AfterPartitions, occurrence: 3, transient: true);
        var (coordinator, _) = world.Start();
        var run = coordinator.RunAsync(CancellationToken.None);
        while (world.Fired == 0) await Task.Yield();
        world.StopFaults();
        await run;

        var epochs = spans.Where(s => s.GetTagItem("query.id") as string == queryId.ToString()).OrderBy(s => s.StartTimeUtc).ToList();
        string[] Children(Activity epoch) => spans.Where(s => s.ParentSpanId == epoch.SpanId).OrderBy(s => s.StartTimeUtc).Select(s => s.DisplayName).ToArray();

        Assert.Equal(["epoch 0", "epoch 1", "epoch 2", "epoch 0", "epoch 1", "epoch 2", "epoch 3"], epochs.Select(e => e.DisplayName));
        Assert.Equal([ActivityStatusCode.Ok, ActivityStatusCode.Ok, ActivityStatusCode.Error, ActivityStatusCode.Ok, ActivityStatusCode.Ok, ActivityStatusCode.Ok, ActivityStatusCode.Ok],
            epochs.Select(e => e.Status));
        Assert.Equal(["plan", "write-ahead", "run", "sink commit", "commit"], Children(epochs[0]));
        Assert.Equal(["plan", "write-ahead", "run"], Children(epochs[2]));   // failed after its partitions
        Assert.Equal(["run", "sink commit", "commit"], Children(epochs[3])); // re-run from its record
        Assert.Equal(["run", "sink commit", "commit"], Children(epochs[4])); // re-run from its record
        Assert.Equal(["run", "sink commit", "commit"], Children(epochs[5])); // the retried attempt
        Assert.All(epochs, e => Assert.True(e.Duration > TimeSpan.Zero));
    }
}
