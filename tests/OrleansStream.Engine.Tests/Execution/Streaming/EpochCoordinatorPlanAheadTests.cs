using OrleansStream.Engine.Execution.Streaming;

namespace OrleansStream.Engine.Tests.Execution.Streaming;

/// <summary>
/// Planning ahead (AvailableNow, no watermark, no processing-time timers): the next epoch is planned and written ahead while
/// the current one runs, so that its write-ahead is off the epochs' critical path, and the protocol's order holds: an epoch's
/// offset record is durable before its source tasks read a row, its commit record is written only after its sink committed,
/// and a crash or retry at any step gives the same epochs and exactly-once output as a run that plans in line.
/// </summary>
public sealed class EpochCoordinatorPlanAheadTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NextWriteAhead_IsWrittenWhileTheEpochRuns_AndBeforeItsOwnSourceTasks(bool stateful)
    {
        // One epoch per write-ahead (groups of several: EpochCoordinatorGroupCommitTests).
        var world = new FakeEpochWorld { Stateful = stateful, Watermarked = false, WriteAheadGroup = 1 };
        world.Input.AddRange([1, 2, 3, 4, 5, 6, 7]);

        await world.RunUntilIdleAsync();

        Assert.Equal([0L, 1L, 2L, 3L], world.WriteAheads.Keys);
        var events = world.Events;
        for (var e = 0; e < 4; e++)
        {
            // Durable before its own run, commit after its sink.
            Assert.True(events.IndexOf($"wal {e}") < events.IndexOf($"sources {e}"), $"epoch {e} ran before its write-ahead: {string.Join(", ", events)}");
            Assert.True(events.IndexOf($"sink {e}") < events.IndexOf($"commit {e}"), $"epoch {e} committed before its sink: {string.Join(", ", events)}");
        }
        for (var e = 0; e < 3; e++)
        {
            // The next epoch's write-ahead happened inside this epoch's run: after its source tasks were called, before its sink.
            var next = events.IndexOf($"wal {e + 1}");
            Assert.True(events.IndexOf($"sources {e}") < next && next < events.IndexOf($"sink {e}"), $"epoch {e + 1} was not written ahead during epoch {e}: {string.Join(", ", events)}");
        }
        // A kill re-runs the epochs run and not committed: one more than when planning in line.
        var inline = new FakeEpochWorld { Stateful = stateful, Watermarked = false, PlanAhead = false };
        inline.Input.AddRange(world.Input);
        await inline.RunUntilIdleAsync();
        Assert.Equal(MostRunNotCommitted(inline.Events) + 1, MostRunNotCommitted(events));
        Assert.Equal(3, world.Persisted.LastCommitted);
        Assert.Equal(world.Input.Select(v => $"v{v}"), world.Sink.Values.SelectMany(r => r).Where(r => r.StartsWith('v')));
    }

    private static int MostRunNotCommitted(List<string> events) =>
        events.Select((_, i) => events.Take(i + 1).Count(e => e.StartsWith("sink", StringComparison.Ordinal)) - events.Take(i + 1).Count(e => e.StartsWith("commit", StringComparison.Ordinal))).Max();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PlannedAhead_GivesTheSameEpochsAndOutput_AsPlanningInLine(bool stateful)
    {
        var inline = await EpochCoordinatorCrashTests.RunScenarioAsync(null, stateful, watermarked: false, planAhead: false);
        var ahead = await EpochCoordinatorCrashTests.RunScenarioAsync(null, stateful, watermarked: false);

        EpochCoordinatorCrashTests.AssertSameRun(inline, ahead, compareCommits: true);
        // In line, each write-ahead follows the previous epoch's sink; ahead, it precedes it.
        Assert.True(inline.Events.IndexOf("sink 0") < inline.Events.IndexOf("wal 1"));
        Assert.True(ahead.Events.IndexOf("wal 1") < ahead.Events.IndexOf("sink 0"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WithAWatermark_TheNextEpochIsPlannedOnceThisOnesSourceTasksAnswered_WithTheWatermarkTheyGive(bool stateful)
    {
        var world = new FakeEpochWorld { Stateful = stateful };
        world.Input.AddRange([1, 2, 3, 4, 5, 6, 7]);

        await world.RunUntilIdleAsync();

        // Its watermark comes from this epoch's event times: written ahead after the source tasks, before the sink commit.
        for (var e = 0; e < 3; e++)
        {
            var next = world.Events.IndexOf($"wal {e + 1}");
            Assert.True(world.Events.IndexOf($"sources {e}") < next && next < world.Events.IndexOf($"sink {e}"), $"epoch {e + 1} was not written ahead during epoch {e}: {string.Join(", ", world.Events)}");
        }
        // The same epochs, watermarks (the commit records' too), state and output as planning each epoch after the last.
        var inline = new FakeEpochWorld { Stateful = stateful, PlanAhead = false };
        inline.Input.AddRange(world.Input);
        await inline.RunUntilIdleAsync();
        EpochCoordinatorCrashTests.AssertSameRun(inline, world, compareCommits: true);
        Assert.Equal(inline.WriteAheads.Values.Select(o => o.WatermarkMs), world.WriteAheads.Values.Select(o => o.WatermarkMs));
        Assert.Contains(world.WriteAheads.Values, o => o.WatermarkMs > 0);
    }

    [Fact]
    public async Task ProcessingTimeTrigger_DoesNotPlanAhead()
    {
        var world = new FakeEpochWorld { Stateful = false, Watermarked = false };
        world.Input.AddRange([1, 2, 3, 4, 5]);
        var (coordinator, _) = world.Start(TriggerPolicy.ProcessingTime(TimeSpan.Zero));
        var run = coordinator.RunAsync(CancellationToken.None);
        for (var i = 0; i < 500 && coordinator.LastIdleRound == 0; i++) await Task.Delay(10);
        coordinator.RequestStop();
        await run;

        Assert.True(world.Events.IndexOf("sink 0") < world.Events.IndexOf("wal 1"));
        Assert.True(world.Events.IndexOf("sink 1") < world.Events.IndexOf("wal 2"));
    }

    [Theory]
    [MemberData(nameof(EpochCoordinatorCrashTests.Crashes), MemberType = typeof(EpochCoordinatorCrashTests))]
    public async Task CrashAtStep_PlannedAhead_TheRestartedRunMakesTheSameDecisions(EpochStep step, int occurrence)
    {
        var reference = await EpochCoordinatorCrashTests.RunScenarioAsync(null, watermarked: false);
        var crashed = await EpochCoordinatorCrashTests.RunScenarioAsync(world => world.FaultAt(step, occurrence), watermarked: false);

        Assert.Equal(1, crashed.Fired);
        EpochCoordinatorCrashTests.AssertSameRun(reference, crashed, compareCommits: true);
    }

    [Theory]
    [MemberData(nameof(EpochCoordinatorCrashTests.Crashes), MemberType = typeof(EpochCoordinatorCrashTests))]
    public async Task CrashAtStep_PlannedAhead_Stateless_TheRestartedRunMakesTheSameDecisions(EpochStep step, int occurrence)
    {
        if (step is EpochStep.AfterPartitions or EpochStep.DuringIdleCommit) return;
        var reference = await EpochCoordinatorCrashTests.RunScenarioAsync(null, stateful: false, watermarked: false);
        var crashed = await EpochCoordinatorCrashTests.RunScenarioAsync(world => world.FaultAt(step, occurrence), stateful: false, watermarked: false);

        Assert.Equal(1, crashed.Fired);
        EpochCoordinatorCrashTests.AssertSameRun(reference, crashed, compareCommits: true);
    }

    // A transient failure of the running epoch waits for the write-ahead planned beside it before re-running anything.
    [Theory]
    [InlineData(EpochStep.AfterSourceTasks, 2)]
    [InlineData(EpochStep.AfterPartitions, 3)]
    [InlineData(EpochStep.AfterSinkCommit, 2)]
    [InlineData(EpochStep.AfterSinkLog, 2)]
    [InlineData(EpochStep.DuringIdleCommit, 1)]
    public async Task TransientFailureAtStep_PlannedAhead_TheRetriedRunHasTheSameOutput(EpochStep step, int occurrence)
    {
        var reference = await EpochCoordinatorCrashTests.RunScenarioAsync(null, watermarked: false);
        var retried = await EpochCoordinatorCrashTests.RunScenarioAsync(world => world.FaultAt(step, occurrence, transient: true), stopAfterFirstFire: true, watermarked: false);

        Assert.Equal(1, retried.Fired);
        EpochCoordinatorCrashTests.AssertSameRun(reference, retried, compareCommits: true);
    }
}
