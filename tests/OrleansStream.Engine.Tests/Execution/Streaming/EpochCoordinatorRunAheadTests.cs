namespace OrleansStream.Engine.Tests.Execution.Streaming;

/// <summary>
/// Source tasks run ahead (AvailableNow, planning ahead, source tasks that hand no rows to a sink): the next epoch's source
/// tasks start once it is planned and written ahead, while the running epoch's partitions, sink commit and commit go on; the
/// epochs, watermarks, state and output stay those of a run that plans in line, through crashes and retries.
/// </summary>
public sealed class EpochCoordinatorRunAheadTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task TheNextEpochsSourceTasks_RunBeforeThisEpochsSinkCommit_WithTheSameOutputAsInLine(bool stateful, bool watermarked)
    {
        var world = new FakeEpochWorld { Stateful = stateful, Watermarked = watermarked, WriteAheadGroup = 1 };
        world.Input.AddRange([1, 2, 3, 4, 5, 6, 7]);

        await world.RunUntilIdleAsync();

        var events = world.Events;
        for (var e = 0; e < 3; e++)
        {
            Assert.True(events.IndexOf($"sources {e + 1}") < events.IndexOf($"sink {e}"), $"epoch {e + 1}'s source tasks waited for epoch {e}'s end: {string.Join(", ", events)}");
            // Still after its own write-ahead was taken, and its partitions after this epoch's.
            Assert.True(events.IndexOf($"wal {e + 1}") < events.IndexOf($"sources {e + 1}"), $"epoch {e + 1} ran before its write-ahead: {string.Join(", ", events)}");
            if (stateful) Assert.True(events.IndexOf($"sink {e}") < events.IndexOf($"partitions {e + 1}"), $"epoch {e + 1}'s partitions ran before epoch {e} ended: {string.Join(", ", events)}");
        }
        var inline = new FakeEpochWorld { Stateful = stateful, Watermarked = watermarked, PlanAhead = false };
        inline.Input.AddRange(world.Input);
        await inline.RunUntilIdleAsync();
        EpochCoordinatorCrashTests.AssertSameRun(inline, world, compareCommits: true);
    }

    [Fact]
    public async Task AQueryWhoseSourceTasksHandRowsToTheSink_DoesNotRunThemAhead()
    {
        var world = new FakeEpochWorld { Stateful = false, Watermarked = false, WriteAheadGroup = 1, SourceTasksRunAhead = false };
        world.Input.AddRange([1, 2, 3, 4, 5, 6, 7]);

        await world.RunUntilIdleAsync();

        for (var e = 0; e < 3; e++)
            Assert.True(world.Events.IndexOf($"sink {e}") < world.Events.IndexOf($"sources {e + 1}"), string.Join(", ", world.Events));
    }

    // Epoch 0's sink commit fails once (a host died) while epoch 1's source tasks have run ahead: the attempt started ahead
    // is dropped, the epochs are run again from their records, epoch 1 under a new attempt (its source tasks run again).
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TransientFailureWhileTheNextEpochRanAhead_DropsItsAttempt_AndGivesTheSameOutput(bool stateful)
    {
        var reference = await EpochCoordinatorCrashTests.RunScenarioAsync(null, stateful, planAhead: false);
        var retried = await EpochCoordinatorCrashTests.RunScenarioAsync(world => world.FaultAt(EpochStep.AfterSinkCommit, 1, transient: true),
            stateful, stopAfterFirstFire: true);

        Assert.Equal(1, retried.Fired);
        var events = retried.Events;
        var failedAt = events.IndexOf("sink 0");
        Assert.True(events.IndexOf("sources 1") < failedAt, $"epoch 1 did not run ahead: {string.Join(", ", events)}");
        Assert.Contains("sources 1", events.Skip(failedAt + 1));
        EpochCoordinatorCrashTests.AssertSameRun(reference, retried, compareCommits: true);
    }

    // A crash (the process died) with two epochs in flight: the restarted run re-runs both from their records.
    [Theory]
    [InlineData(EpochStep.AfterPartitions, 2)]
    [InlineData(EpochStep.AfterSinkCommit, 2)]
    [InlineData(EpochStep.AfterSinkLog, 2)]
    [InlineData(EpochStep.AfterSourceTasks, 3)]
    public async Task CrashWhileTheNextEpochRanAhead_TheRestartedRunMakesTheSameDecisions(EpochStep step, int occurrence)
    {
        var reference = await EpochCoordinatorCrashTests.RunScenarioAsync(null, planAhead: false);
        var crashed = await EpochCoordinatorCrashTests.RunScenarioAsync(world => world.FaultAt(step, occurrence));

        Assert.Equal(1, crashed.Fired);
        EpochCoordinatorCrashTests.AssertSameRun(reference, crashed, compareCommits: true);
    }
}
